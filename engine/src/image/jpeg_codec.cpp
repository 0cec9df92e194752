// JPEG through libjpeg-turbo. libjpeg reports fatal errors through error_exit, which longjmps
// back here; warnings (premature end of data, corrupt entropy data) are treated as errors too,
// because libjpeg would otherwise hand back a grey-filled picture as if nothing were wrong.
// jpeglib.h uses size_t and FILE without including their headers.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
// clang-format off
#include <jpeglib.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <string>

#include "codecs_internal.h"

namespace pixforge::detail {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error_exit(cinfo);  // a warning: corrupt or truncated data
}

struct JpegReadState {
  std::span<const std::uint8_t> input;
  const ImageLimits* limits = nullptr;
  Image image;
  std::vector<std::uint8_t> exif;
  std::vector<std::uint8_t> scanline;
  bool cmyk = false;
  bool adobe_inverted = false;
  char error[200] = {};
};

void cmyk_to_rgb(const std::uint8_t* src, std::uint8_t* dst, int width, bool inverted) {
  for (int x = 0; x < width; ++x) {
    unsigned c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    // Inverted (Adobe) CMYK stores 255 - ink, so RGB = stored * stored_k / 255.
    dst[3 * x] = static_cast<std::uint8_t>((c * k + 127) / 255);
    dst[3 * x + 1] = static_cast<std::uint8_t>((m * k + 127) / 255);
    dst[3 * x + 2] = static_cast<std::uint8_t>((y * k + 127) / 255);
  }
}

bool read_jpeg(jpeg_decompress_struct* cinfo, JpegError* err, JpegReadState* state) {
  if (setjmp(err->jump)) return false;
  jpeg_create_decompress(cinfo);
  // Bounds libjpeg's own working memory (progressive files buffer whole coefficient planes).
  cinfo->mem->max_memory_to_use = 1024L << 20;
  jpeg_mem_src(cinfo, state->input.data(), static_cast<unsigned long>(state->input.size()));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(cinfo, TRUE);
  const std::int64_t w = cinfo->image_width, h = cinfo->image_height;
  if (w > state->limits->max_width || h > state->limits->max_height ||
      w * h > state->limits->max_pixels) {
    std::snprintf(state->error, sizeof state->error, "image of %lldx%lld pixels exceeds the limit",
                  static_cast<long long>(w), static_cast<long long>(h));
    return false;
  }
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && state->exif.empty()) {
      state->exif.assign(m->data, m->data + m->data_length);
    }
  }
  state->cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  state->adobe_inverted = cinfo->saw_Adobe_marker;
  cinfo->out_color_space = state->cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(cinfo);
  const int width = static_cast<int>(cinfo->output_width);
  const int height = static_cast<int>(cinfo->output_height);
  state->image.width = width;
  state->image.height = height;
  state->image.channels = 3;
  state->image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  state->scanline.resize(static_cast<std::size_t>(width) * cinfo->output_components);
  while (cinfo->output_scanline < cinfo->output_height) {
    const int y = static_cast<int>(cinfo->output_scanline);
    JSAMPROW row = state->cmyk ? state->scanline.data() : state->image.row(y);
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      std::snprintf(state->error, sizeof state->error, "truncated JPEG data");
      return false;
    }
    if (state->cmyk) cmyk_to_rgb(row, state->image.row(y), width, state->adobe_inverted);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

struct JpegWriteState {
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  Image rgb;
};

bool write_jpeg(jpeg_compress_struct* cinfo, JpegError* err, JpegWriteState* state, int quality) {
  if (setjmp(err->jump)) return false;
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, &state->buffer, &state->size);
  cinfo->image_width = static_cast<JDIMENSION>(state->rgb.width);
  cinfo->image_height = static_cast<JDIMENSION>(state->rgb.height);
  cinfo->input_components = 3;
  cinfo->in_color_space = JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  while (cinfo->next_scanline < cinfo->image_height) {
    JSAMPROW row = state->rgb.row(static_cast<int>(cinfo->next_scanline));
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  return true;
}

}  // namespace

Image decode_jpeg(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  JpegReadState state;
  state.input = bytes;
  state.limits = &limits;
  jpeg_decompress_struct cinfo{};
  JpegError err{};
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error_exit;
  err.mgr.emit_message = on_message;
  const bool ok = read_jpeg(&cinfo, &err, &state);
  jpeg_destroy_decompress(&cinfo);
  if (!ok) {
    const char* why = state.error[0] ? state.error : err.message;
    throw ImageError(std::string("corrupt or unsupported JPEG: ") + why);
  }
  return apply_orientation(state.image, exif_orientation(state.exif));
}

std::vector<std::uint8_t> encode_jpeg(const Image& image, const EncodeOptions& options) {
  check_encodable(image, "jpeg");
  if (options.quality < 1 || options.quality > 100) throw ImageError("jpeg quality must be 1..100");
  JpegWriteState state;
  state.rgb = to_rgb(image);  // JPEG has no alpha: composite over white
  jpeg_compress_struct cinfo{};
  JpegError err{};
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error_exit;
  const bool ok = write_jpeg(&cinfo, &err, &state, options.quality);
  jpeg_destroy_compress(&cinfo);
  std::vector<std::uint8_t> out;
  if (ok) out.assign(state.buffer, state.buffer + state.size);
  std::free(state.buffer);
  if (!ok) throw ImageError(std::string("jpeg encoding failed: ") + err.message);
  return out;
}

}  // namespace pixforge::detail
