// Live progress of one job over Server-Sent Events (F14): queue position, steps, previews,
// then the job's final state. Calls back with each event; resolves with the "done" event.

export function watchJob(jobId, onEvent) {
  return new Promise((resolve) => {
    const source = new EventSource(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`);
    source.onmessage = (msg) => {
      let ev;
      try {
        ev = JSON.parse(msg.data);
      } catch {
        return;  // not one of the server's events
      }
      if (ev.type === 'done') {
        source.close();
        resolve(ev);
      } else {
        onEvent(ev);
      }
    };
    // EventSource reconnects by itself; a finished job answers "done" at once on reconnect.
    // A job that is gone (deleted) is reported as done too, so nothing waits forever.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) resolve({ type: 'done', state: 'unknown' });
    };
  });
}

// "Queued: 2 jobs ahead of yours" / "Step 3 of 20".
export function describeProgress(ev) {
  if (ev.type === 'queued') {
    if (ev.position <= 0) return 'Queued: yours is next';
    return `Queued: ${ev.position} job${ev.position === 1 ? '' : 's'} ahead of yours`;
  }
  if (ev.type === 'started') return 'Starting (loading the prompt and settings)';
  if (ev.type === 'progress') return `Step ${ev.step} of ${ev.total}`;
  if (ev.type === 'cancelled') return 'Cancelled';
  return '';
}
