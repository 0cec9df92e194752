// PNG text chunks read by walking the chunk list directly: reading metadata never decodes
// pixels, so a huge or broken image still shows its parameters cheaply and safely.
#include <zlib.h>

#include <cstring>
#include <string>

#include "pixforge/image/codec.h"

namespace pixforge {
namespace {

constexpr std::size_t kMaxTextBytes = 16u << 20;  // ComfyUI workflows run to a few MiB

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

std::string inflate_text(std::string_view compressed) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) throw ImageError("png: zlib init failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw ImageError("png: corrupt compressed text chunk");
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > kMaxTextBytes) {
      inflateEnd(&z);
      throw ImageError("png: compressed text chunk inflates beyond 16 MiB");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw ImageError("png: truncated compressed text chunk");
    }
  }
  inflateEnd(&z);
  return out;
}

// Splits "a\0rest" at the first NUL; throws when there is none.
std::string_view take_cstr(std::string_view& data) {
  const std::size_t nul = data.find('\0');
  if (nul == std::string_view::npos) throw ImageError("png: malformed text chunk");
  std::string_view head = data.substr(0, nul);
  data.remove_prefix(nul + 1);
  return head;
}

void parse_text_chunk(const std::string& type, std::string_view data,
                      std::map<std::string, std::string>& out) {
  std::string key(take_cstr(data));
  if (type == "tEXt") {
    out.emplace(key, latin1_to_utf8(data));
  } else if (type == "zTXt") {
    if (data.empty()) throw ImageError("png: malformed zTXt chunk");
    out.emplace(key, latin1_to_utf8(inflate_text(data.substr(1))));
  } else {  // iTXt
    if (data.size() < 2) throw ImageError("png: malformed iTXt chunk");
    const bool compressed = data[0] != 0;
    data.remove_prefix(2);
    take_cstr(data);  // language tag
    take_cstr(data);  // translated keyword
    out.emplace(key, compressed ? inflate_text(data) : std::string(data));
  }
}

}  // namespace

std::map<std::string, std::string> read_png_text(std::span<const std::uint8_t> bytes) {
  if (detect_image_format(bytes) != ImageFormat::Png) throw ImageError("not a PNG file");
  std::map<std::string, std::string> out;
  std::size_t pos = 8;
  while (true) {
    if (bytes.size() - pos < 12) throw ImageError("png: truncated chunk list");
    const std::uint32_t length = be32(&bytes[pos]);
    const std::string type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
    if (length > bytes.size() - pos - 12)
      throw ImageError("png: chunk runs past the end of the file");
    const std::uint8_t* data = &bytes[pos + 8];
    const std::uint32_t crc_stored = be32(data + length);
    const auto crc = crc32(crc32(0, &bytes[pos + 4], 4), data, length);
    if (crc != crc_stored) throw ImageError("png: chunk " + type + " fails its CRC check");
    if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      parse_text_chunk(type, std::string_view(reinterpret_cast<const char*>(data), length), out);
    }
    if (type == "IEND") break;
    pos += 12 + static_cast<std::size_t>(length);
  }
  return out;
}

}  // namespace pixforge
