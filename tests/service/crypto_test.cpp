// The encryption layer: AEAD round trip, tamper detection, master key file rules, hashes.
#include "pixforge/service/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "test_helpers.h"

namespace pixforge::service {
namespace {

TEST(Crypto, P5_seal_round_trips_and_hides_plaintext) {
  const Key k = random_key();
  const std::string secret = "a red fox in the snow";
  const Bytes sealed = seal(k, secret, "aad");
  const std::string raw(sealed.begin(), sealed.end());
  EXPECT_EQ(raw.find(secret), std::string::npos);
  EXPECT_EQ(open(k, sealed, "aad"), secret);
  // Two seals of the same text differ (random nonce).
  EXPECT_NE(seal(k, secret, "aad"), sealed);
}

TEST(Crypto, P5_wrong_key_aad_or_tampering_fails) {
  const Key k = random_key();
  Bytes sealed = seal(k, "payload", "owner-a");
  EXPECT_THROW(open(random_key(), sealed, "owner-a"), std::runtime_error);
  EXPECT_THROW(open(k, sealed, "owner-b"), std::runtime_error);
  sealed[30] ^= 1;
  EXPECT_THROW(open(k, sealed, "owner-a"), std::runtime_error);
  EXPECT_THROW(open(k, Bytes(5), "owner-a"), std::runtime_error);
}

TEST(Crypto, MasterKeyFileIsCreated0600AndReloaded) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/master.key";
  unsetenv("PIXFORGE_MASTER_KEY");
  const Key a = load_master_key(path);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_master_key(path), a);
  chmod(path.c_str(), 0644);
  EXPECT_THROW(load_master_key(path), std::runtime_error);
}

TEST(Crypto, MasterKeyFromEnvironment) {
  testing::TempDir dir;
  setenv("PIXFORGE_MASTER_KEY", std::string(64, 'a').c_str(), 1);
  const Key k = load_master_key(dir.path() + "/unused.key");
  EXPECT_EQ(k, testing::test_key(0xaa));
  setenv("PIXFORGE_MASTER_KEY", "abc", 1);
  EXPECT_THROW(load_master_key(dir.path() + "/unused.key"), std::runtime_error);
  unsetenv("PIXFORGE_MASTER_KEY");
}

TEST(Crypto, P6_passwords_use_argon2id_and_tokens_a_keyed_hash) {
  const std::string h = hash_password("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "wrong"));
  const std::string token = random_token(32);
  EXPECT_EQ(token.size(), 43u);  // 256 bits, URL-safe base64 without padding
  const Key k1 = testing::test_key(1), k2 = testing::test_key(2);
  EXPECT_EQ(token_hash(k1, token), token_hash(k1, token));
  EXPECT_NE(token_hash(k1, token), token_hash(k2, token));
  EXPECT_EQ(token_hash(k1, token).find(token), std::string::npos);
}

}  // namespace
}  // namespace pixforge::service
