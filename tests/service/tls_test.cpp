// Issue 4 item 1: TLS when given a certificate and key. The real `pixforge serve` binary is
// started with a self-signed pair made here with OpenSSL's API; a cpp-httplib client that
// trusts exactly that certificate speaks HTTPS to it and checks HSTS, the security headers and
// the Secure session cookie; a client trusting another certificate and a plain-HTTP client
// must both fail on the same port.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "api_harness.h"

extern char** environ;

namespace pixforge::service {
namespace {

using testing::TempDir;

// A self-signed certificate for 127.0.0.1 / localhost (P-256 key, valid for one hour), written
// as PEM to `cert_path` and `key_path`.
void make_self_signed(const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  ASSERT_TRUE(x);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), static_cast<long>(::getpid()));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  // The client checks the host it dialled (127.0.0.1) against the subjectAltName.
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(x.get(), key.get(), EVP_sha256()), 0);
  FILE* cert = std::fopen(cert_path.c_str(), "w");
  ASSERT_NE(cert, nullptr);
  PEM_write_X509(cert, x.get());
  std::fclose(cert);
  FILE* k = std::fopen(key_path.c_str(), "w");
  ASSERT_NE(k, nullptr);
  PEM_write_PrivateKey(k, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `pixforge serve` as a child process with stdout/stderr in a log file; SIGTERM on destruction.
class ServeProcess {
 public:
  ServeProcess(const std::string& bin, const std::string& config, const std::string& data_dir,
               const std::string& log)
      : log_(log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<std::string> args = {bin,      "serve",  "--config", config,     "--data-dir",
                                     data_dir, "--port", "0",        "--listen", "127.0.0.1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ServeProcess() { (void)stop(); }

  // Waits (up to 60 s: the binary starts in well under a second on an idle machine) for the
  // "listening on https://127.0.0.1:PORT" line; returns the port, or 0 when it exited.
  int wait_for_port() {
    static const std::regex line(R"(listening on https://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && pid_ > 0; ++i) {
      std::smatch m;
      const std::string text = read_file(log_);
      if (std::regex_search(text, m, line)) return std::stoi(m[1]);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  }
  // SIGTERM, then the exit status (-1 when it did not exit normally).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string log() const { return read_file(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

std::string pixforge_bin() {
#ifdef PIXFORGE_CLI_PATH
  return PIXFORGE_CLI_PATH;
#else
  return "";
#endif
}

TEST(Tls, Https_with_hsts_and_security_headers_and_no_plain_http) {
  const std::string bin = pixforge_bin();
  if (bin.empty() || ::access(bin.c_str(), X_OK) != 0)
    GTEST_SKIP() << "the pixforge binary is not built (cmake --build <dir> --target pixforge): "
                    "this test starts the real `pixforge serve`";
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  make_self_signed(cert, key);
  const std::string other_cert = dir.path() + "/other.pem";
  make_self_signed(other_cert, dir.path() + "/other-key.pem");
  const std::string config = dir.path() + "/pixforge.toml";
  std::ofstream(config) << "[server]\ntls_cert = \"" << cert << "\"\ntls_key = \"" << key
                        << "\"\nsweep_interval_s = 3600\n";
  ServeProcess serve(bin, config, dir.path() + "/data", dir.path() + "/serve.log");
  const int port = serve.wait_for_port();
  ASSERT_GT(port, 0) << serve.log();

  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(cert.c_str());
  https.enable_server_certificate_verification(true);
  auto r = https.Get("/api/v1/privacy");
  ASSERT_TRUE(r) << "HTTPS request failed: " << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(r->body, nullptr, false).contains("notice"));
  const std::string hsts = r->get_header_value("Strict-Transport-Security");
  EXPECT_NE(hsts.find("max-age="), std::string::npos) << hsts;
  const std::string csp = r->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");

  // The web UI page gets the same headers, and a session cookie over TLS is Secure.
  auto page = https.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_FALSE(page->get_header_value("Strict-Transport-Security").empty());
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  const std::string version =
      std::to_string(nlohmann::json::parse(r->body)["notice"]["version"].get<int>());
  auto consent =
      https.Post("/api/v1/consent",
                 R"({"agree": true, "age_confirmed": true, "notice_version": )" + version + "}",
                 "application/json");
  ASSERT_TRUE(consent);
  EXPECT_EQ(consent->status, 201) << consent->body;
  const std::string cookie = consent->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("; Secure"), std::string::npos)
      << "cookie attributes: " << cookie.substr(cookie.find(';'));
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);

  // Verification is real: a client trusting another certificate refuses this server.
  httplib::SSLClient wrong_ca("127.0.0.1", port);
  wrong_ca.set_ca_cert_path(other_cert.c_str());
  wrong_ca.enable_server_certificate_verification(true);
  auto refused = wrong_ca.Get("/api/v1/privacy");
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error(), httplib::Error::SSLServerVerification);

  // Plain HTTP to the TLS port gets no HTTP answer (the TLS handshake fails, the server hangs up).
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(10, 0);
  auto p = plain.Get("/api/v1/privacy");
  EXPECT_FALSE(p) << "plain HTTP was answered with status " << p->status;

  // Still serving after the bad clients; SIGTERM stops it cleanly.
  auto again = https.Get("/api/v1/privacy");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(serve.stop(), 0) << serve.log();
}

TEST(Tls, Plain_http_has_no_hsts_header) {
  // HSTS over plain HTTP would be ignored by browsers and misleading; it is sent only with TLS.
  testing::TestService ts(false);
  auto r = ts.client().get("/api/v1/privacy");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.header("Strict-Transport-Security").empty());
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
}

TEST(Tls, Unreadable_certificate_or_key_fails_at_start_with_a_clear_error) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  make_self_signed(cert, key);
  const std::string other_key = dir.path() + "/other-key.pem";
  make_self_signed(dir.path() + "/other.pem", other_key);
  std::ofstream(dir.path() + "/garbage.pem") << "not a certificate";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {dir.path() + "/missing.pem", key},  // no such file
      {dir.path() + "/garbage.pem", key},  // not PEM
      {cert, other_key},                   // key does not match the certificate
  };
  for (const auto& [c, k] : bad) {
    ServiceConfig cfg = testing::test_config();
    cfg.server.data_dir = dir.path() + "/data";
    cfg.server.tls_cert = c;
    cfg.server.tls_key = k;
    ServiceOptions o;
    o.config = cfg;
    o.start_sweeper = false;
    try {
      Service svc(std::move(o));
      ADD_FAILURE() << "started with cert " << c << " and key " << k;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("TLS certificate/key"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pixforge::service
