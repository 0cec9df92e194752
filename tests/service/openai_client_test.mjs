// The official `openai` npm client against /v1/images/*: authentication, the OpenAI error
// shape, and (when the server has a generation pipeline) real results.
// Usage: node openai_client_test.mjs <path to pixforge>
import { check, makePng, skip, startServer } from './server.mjs';

let OpenAI;
try {
  ({ default: OpenAI } = await import('openai'));
} catch {
  skip('npm package "openai" not installed (cd tests/service && npm install)');
}

const { base, stop } = await startServer(process.argv[2]);
try {
  // An account and an API key, created with consent to the current notice for the key's scope.
  const privacy = await (await fetch(`${base}/api/v1/privacy`)).json();
  const signup = await fetch(`${base}/api/v1/account`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'openai-client', password: 'long enough password',
                           age_confirmed: true, agree: true, notice_version: privacy.notice.version }),
  });
  check(signup.status === 201, `sign-up answered ${signup.status}`);
  const cookie = signup.headers.getSetCookie()[0].split(';')[0];
  const { csrf_token: csrf } = await signup.json();
  const keyRes = await fetch(`${base}/api/v1/keys`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ scopes: ['generate', 'read'], agree: true, notice_version: privacy.notice.version }),
  });
  check(keyRes.status === 201, `key creation answered ${keyRes.status}`);
  const { key } = await keyRes.json();

  const client = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
  const hasModel = (await (await fetch(`${base}/sdapi/v1/sd-models`)).json()).length > 0;
  try {
    const res = await client.images.generate({ prompt: 'a lighthouse', size: '256x256', n: 1,
                                               response_format: 'b64_json' });
    check(hasModel, 'generation succeeded without a model');
    check(res.data.length === 1 && res.data[0].b64_json.startsWith('iVBOR'), 'one PNG returned');
  } catch (e) {
    if (hasModel) throw e;
    // Without a pipeline the client must surface the server's typed error, not a crash.
    check(e instanceof OpenAI.APIError, `APIError expected, got ${e}`);
    check(e.status === 503 && e.code === 'model_not_loaded', `503 model_not_loaded, got ${e.status} ${e.code}`);
  }

  // images.edit: multipart upload through the official client.
  const png = await makePng(64, 64);
  try {
    await client.images.edit({ image: await OpenAI.toFile(png, 'in.png', { type: 'image/png' }),
                               prompt: 'make it blue', response_format: 'b64_json' });
    check(hasModel, 'edit succeeded without a model');
  } catch (e) {
    if (hasModel) throw e;
    check(e instanceof OpenAI.APIError && e.status === 503, `edit: 503 expected, got ${e.status} ${e.message}`);
  }

  // A wrong key is an AuthenticationError with OpenAI's error type.
  const wrong = new OpenAI({ apiKey: 'pf_wrong', baseURL: `${base}/v1`, maxRetries: 0 });
  try {
    await wrong.images.generate({ prompt: 'x' });
    check(false, 'a wrong key was accepted');
  } catch (e) {
    check(e instanceof OpenAI.AuthenticationError, `AuthenticationError expected, got ${e}`);
    check(e.error?.type === 'authentication_error', 'OpenAI error type');
  }

  // A missing prompt is a 400 naming the parameter.
  try {
    await client.images.generate({ size: '256x256' });
    check(false, 'missing prompt accepted');
  } catch (e) {
    check(e instanceof OpenAI.BadRequestError && e.param === 'prompt', `BadRequestError on prompt, got ${e}`);
  }
  console.log('openai client test: ok');
} finally {
  await stop();
}
