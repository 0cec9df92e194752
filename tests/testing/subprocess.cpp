// Child processes for the CLI tests (subprocess.h): fork + execv with three pipes, drained
// together with poll so a child filling one pipe never blocks on the other.
#include "testing/subprocess.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace pixforge::testing {
namespace {

struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  void close_both() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
    read = write = -1;
  }
};

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const ProcessOptions& options,
                             Pipe& in, Pipe& out, Pipe& err) {
  ::dup2(in.read, STDIN_FILENO);
  ::dup2(out.write, STDOUT_FILENO);
  ::dup2(err.write, STDERR_FILENO);
  in.close_both();
  out.close_both();
  err.close_both();
  for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
  if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(127);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);  // as a shell reports a program it cannot run
}

// Feeds stdin (closing it when done) and reads stdout and stderr until both end.
void pump(int in_fd, const std::string& stdin_text, int out_fd, int err_fd, ProcessResult& r) {
  std::size_t written = 0;
  if (stdin_text.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  int open_outputs = 2;
  char buf[4096];
  while (open_outputs > 0 || in_fd >= 0) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        (k == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[k].fd);
        (k == 0 ? out_fd : err_fd) = -1;
        --open_outputs;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      const ssize_t n =
          (fds[2].revents & POLLOUT) != 0
              ? ::write(in_fd, stdin_text.data() + written, stdin_text.size() - written)
              : -1;
      if (n > 0) written += static_cast<std::size_t>(n);
      // Done, or the child closed its end (POLLERR/EPIPE): stop feeding it either way.
      if (n < 0 || written == stdin_text.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult r;
  if (argv.empty()) return r;
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) {
    in.close_both();
    out.close_both();
    err.close_both();
    return r;
  }
  // A child that exits before reading its stdin must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, options, in, out, err);
  ::close(in.read);
  ::close(out.write);
  ::close(err.write);
  if (pid < 0) {
    ::close(in.write);
    ::close(out.read);
    ::close(err.read);
    return r;
  }
  pump(in.write, options.stdin_text, out.read, err.read, r);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
  return r;
}

}  // namespace pixforge::testing
