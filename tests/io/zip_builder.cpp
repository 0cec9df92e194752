#include "zip_builder.h"

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace pixforge::testing {

namespace {

void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t crc_of(const Bytes& data) {
  return static_cast<std::uint32_t>(::crc32(0L, data.data(), static_cast<uInt>(data.size())));
}

}  // namespace

Bytes build_zip(const std::vector<std::pair<std::string, Bytes>>& entries, bool zip64) {
  Bytes out, central;
  const std::uint32_t big = 0xffffffff;
  for (const auto& [name, data] : entries) {
    const std::uint64_t local = out.size();
    const std::uint32_t crc = crc_of(data);
    put(out, 0x04034b50, 4);
    put(out, 45, 2);
    put(out, 0, 2);
    put(out, 0, 2);  // stored
    put(out, 0, 4);  // time, date
    put(out, crc, 4);
    put(out, zip64 ? big : data.size(), 4);
    put(out, zip64 ? big : data.size(), 4);
    put(out, name.size(), 2);
    put(out, zip64 ? 20 : 0, 2);
    out.insert(out.end(), name.begin(), name.end());
    if (zip64) {
      put(out, 0x0001, 2);
      put(out, 16, 2);
      put(out, data.size(), 8);
      put(out, data.size(), 8);
    }
    out.insert(out.end(), data.begin(), data.end());

    put(central, 0x02014b50, 4);
    put(central, 45, 2);
    put(central, 45, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 4);
    put(central, crc, 4);
    put(central, zip64 ? big : data.size(), 4);
    put(central, zip64 ? big : data.size(), 4);
    put(central, name.size(), 2);
    put(central, zip64 ? 28 : 0, 2);
    put(central, 0, 2);  // comment
    put(central, 0, 2);  // disk
    put(central, 0, 2);
    put(central, 0, 4);
    put(central, zip64 ? big : local, 4);
    central.insert(central.end(), name.begin(), name.end());
    if (zip64) {
      put(central, 0x0001, 2);
      put(central, 24, 2);
      put(central, data.size(), 8);
      put(central, data.size(), 8);
      put(central, local, 8);
    }
  }
  const std::uint64_t cd_offset = out.size();
  out.insert(out.end(), central.begin(), central.end());
  if (zip64) {
    const std::uint64_t rec = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, entries.size(), 8);
    put(out, entries.size(), 8);
    put(out, central.size(), 8);
    put(out, cd_offset, 8);
    put(out, 0x07064b50, 4);
    put(out, 0, 4);
    put(out, rec, 8);
    put(out, 1, 4);
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, zip64 ? 0xffff : entries.size(), 2);
  put(out, zip64 ? 0xffff : entries.size(), 2);
  put(out, zip64 ? big : central.size(), 4);
  put(out, zip64 ? big : cd_offset, 4);
  put(out, 0, 2);
  return out;
}

PickleWriter::PickleWriter() { b_ = {0x80, 0x02}; }

PickleWriter& PickleWriter::op(std::uint8_t opcode) {
  b_.push_back(opcode);
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  b_.push_back('c');
  b_.insert(b_.end(), module.begin(), module.end());
  b_.push_back('\n');
  b_.insert(b_.end(), name.begin(), name.end());
  b_.push_back('\n');
  return *this;
}

PickleWriter& PickleWriter::str(const std::string& s) {
  b_.push_back('X');
  put(b_, s.size(), 4);
  b_.insert(b_.end(), s.begin(), s.end());
  return *this;
}

PickleWriter& PickleWriter::integer(std::int32_t v) {
  b_.push_back('J');
  put(b_, static_cast<std::uint32_t>(v), 4);
  return *this;
}

PickleWriter& PickleWriter::tensor(const std::string& storage_type, const std::string& key,
                                   int numel, int offset, const std::vector<int>& size,
                                   const std::vector<int>& stride) {
  global("torch._utils", "_rebuild_tensor_v2");
  op('(');
  op('(').str("storage").global("torch", storage_type).str(key).str("cpu").integer(numel).op('t');
  op('Q');
  integer(offset);
  op('(');
  for (int s : size) integer(s);
  op('t');
  op('(');
  for (int s : stride) integer(s);
  op('t');
  op(0x89);  // requires_grad False
  global("collections", "OrderedDict").op(')').op('R');
  op('t');
  op('R');
  return *this;
}

Bytes PickleWriter::finish() {
  b_.push_back('.');
  return b_;
}

Bytes build_torch_zip(const Bytes& pickle,
                      const std::vector<std::pair<std::string, Bytes>>& storages, bool zip64) {
  std::vector<std::pair<std::string, Bytes>> entries;
  entries.emplace_back("archive/data.pkl", pickle);
  entries.emplace_back("archive/byteorder", Bytes{'l', 'i', 't', 't', 'l', 'e'});
  for (const auto& [key, data] : storages) entries.emplace_back("archive/data/" + key, data);
  entries.emplace_back("archive/version", Bytes{'3', '\n'});
  return build_zip(entries, zip64);
}

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace pixforge::testing
