// The one encryption layer (libsodium). Every piece of user data that is stored passes through
// seal()/open() under its owner's data key; data keys are stored only wrapped by the master key,
// so deleting an owner's wrapped key makes every copy of its data unreadable (crypto-shredding).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pixforge::service {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kKeyBytes = 32;
using Key = std::array<std::uint8_t, kKeyBytes>;

// Calls sodium_init once; throws if libsodium cannot start.
void crypto_init();

// XChaCha20-Poly1305 (IETF): output = 24-byte random nonce || ciphertext || 16-byte tag.
// `aad` binds the ciphertext to its place (owner id, column) so it cannot be swapped.
Bytes seal(const Key& key, std::string_view plaintext, std::string_view aad);
// Throws std::runtime_error("decryption failed") when the key or data is wrong.
std::string open(const Key& key, const Bytes& sealed, std::string_view aad);

Key random_key();
std::string random_token(std::size_t bytes);  // URL-safe base64, no padding
std::string hex(const std::uint8_t* data, std::size_t n);

// Master key: 32 bytes, from env PIXFORGE_MASTER_KEY (64 hex chars) or from `path` (created
// 0600 with a fresh key when missing; refused when its mode lets others read it).
Key load_master_key(const std::string& path);

// Sub-keys derived from the master key for one purpose each (crypto_kdf, 8-char context).
Key derive_key(const Key& master, std::uint64_t id, const char context[8]);

// Keyed BLAKE2b-256 of an API key / session token (hex). Tokens are 256-bit random, so a slow
// hash would add nothing but cap request rates; the key keeps a stolen DB from confirming them.
std::string token_hash(const Key& hash_key, std::string_view token);

// Argon2id (libsodium's interactive limits), encoded string with its own salt and parameters.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& encoded, std::string_view password);

// Constant-time comparison of two strings of equal length.
bool equal_ct(std::string_view a, std::string_view b);

}  // namespace pixforge::service
