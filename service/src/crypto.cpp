// libsodium wrappers: AEAD, keys, hashes. No other file calls libsodium's AEAD directly.
#include "pixforge/service/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace pixforge::service {

void crypto_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

Bytes seal(const Key& key, std::string_view plaintext, std::string_view aad) {
  constexpr std::size_t nonce_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  Bytes out(nonce_len + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(out.data(), nonce_len);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + nonce_len, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
      out.data(), key.data());
  out.resize(nonce_len + clen);
  return out;
}

std::string open(const Key& key, const Bytes& sealed, std::string_view aad) {
  constexpr std::size_t nonce_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr std::size_t tag_len = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < nonce_len + tag_len) throw std::runtime_error("decryption failed");
  std::string out(sealed.size() - nonce_len - tag_len, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, sealed.data() + nonce_len,
          sealed.size() - nonce_len, reinterpret_cast<const unsigned char*>(aad.data()), aad.size(),
          sealed.data(), key.data()) != 0)
    throw std::runtime_error("decryption failed");
  out.resize(mlen);
  return out;
}

Key random_key() {
  crypto_init();
  Key k;
  crypto_aead_xchacha20poly1305_ietf_keygen(k.data());
  return k;
}

std::string random_token(std::size_t bytes) {
  crypto_init();
  Bytes raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string hex(const std::uint8_t* data, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.resize(n * 2);
  return out;
}

namespace {

Key parse_hex_key(const std::string& text, const std::string& source) {
  Key k;
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(k.data(), k.size(), text.data(), text.size(), " \n\r\t", &len, &end) != 0 ||
      len != k.size() ||
      (end && std::string_view(end).find_first_not_of(" \n\r\t") != std::string_view::npos))
    throw std::runtime_error(source + ": master key must be 64 hexadecimal characters");
  return k;
}

Key create_key_file(const std::string& path) {
  const Key k = random_key();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create master key file " + path);
  const std::string text = hex(k.data(), k.size()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write master key file " + path);
  return k;
}

}  // namespace

Key load_master_key(const std::string& path) {
  crypto_init();
  if (const char* env = std::getenv("PIXFORGE_MASTER_KEY"); env && *env)
    return parse_hex_key(env, "PIXFORGE_MASTER_KEY");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return create_key_file(path);
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error("master key file " + path +
                             " is readable by group or others; chmod 600 it");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_hex_key(text, path);
}

Key derive_key(const Key& master, std::uint64_t id, const char context[8]) {
  Key k;
  crypto_kdf_derive_from_key(k.data(), k.size(), id, context, master.data());
  return k;
}

std::string token_hash(const Key& hash_key, std::string_view token) {
  std::uint8_t out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), hash_key.data(), hash_key.size());
  return hex(out, sizeof out);
}

std::string hash_password(std::string_view password) {
  crypto_init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& encoded, std::string_view password) {
  crypto_init();
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

bool equal_ct(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pixforge::service
