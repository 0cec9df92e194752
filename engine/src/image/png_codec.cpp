// PNG through libpng. libpng reports errors by longjmp, so each libpng call sequence lives in a
// function whose only locals are trivially destructible; C++ objects are owned by the caller's
// state struct and cleaned up normally once the sequence returns false.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>

#include "codecs_internal.h"

namespace pixforge::detail {
namespace {

struct PngState {
  std::span<const std::uint8_t> input;
  std::size_t pos = 0;
  const ImageLimits* limits = nullptr;
  Image image;
  std::vector<png_bytep> rows;
  std::vector<std::uint8_t> output;
  char error[200] = {};
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->error, sizeof state->error, "%s", message);
  std::longjmp(png_jmpbuf(png), 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (e.g. unknown ancillary chunks)

void on_read(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > state->input.size() - state->pos) png_error(png, "truncated PNG data");
  std::memcpy(out, state->input.data() + state->pos, length);
  state->pos += length;
}

void on_write(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  state->output.insert(state->output.end(), data, data + length);
}

void on_flush(png_structp) {}

// Reads header, checks limits (by setting the error and returning false), allocates, decodes.
bool read_png(png_structp png, png_infop info, PngState* state) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, state, on_read);
  png_set_user_limits(png, static_cast<png_uint_32>(state->limits->max_width),
                      static_cast<png_uint_32>(state->limits->max_height));
  // Ancillary chunks (text, ICC) are skipped for pixels but libpng still buffers them; bound
  // that memory too.
  png_set_chunk_malloc_max(png, 64u << 20);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<std::int64_t>(width) * height > state->limits->max_pixels) {
    std::snprintf(state->error, sizeof state->error,
                  "image of %ux%u pixels exceeds the limit of %lld pixels", width, height,
                  static_cast<long long>(state->limits->max_pixels));
    return false;
  }
  const int color = png_get_color_type(png, info);
  const bool alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
  png_set_expand(png);    // palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha
  png_set_scale_16(png);  // 16 -> 8 bits, rounded
  png_set_gray_to_rgb(png);
  if (!alpha) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = alpha ? 4 : 3;
  if (png_get_rowbytes(png, info) != static_cast<png_size_t>(width) * channels) {
    png_error(png, "unexpected row layout after conversion");
  }
  state->image.width = static_cast<int>(width);
  state->image.height = static_cast<int>(height);
  state->image.channels = channels;
  state->image.pixels.resize(static_cast<std::size_t>(width) * height * channels);
  state->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) state->rows[y] = state->image.row(static_cast<int>(y));
  png_read_image(png, state->rows.data());
  png_read_end(png, nullptr);  // verifies the trailing chunks (a cut-off file is an error)
  return true;
}

bool write_png(png_structp png, png_infop info, PngState* state, const Image* image,
               const EncodeOptions* options, std::vector<png_text>* texts) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, state, on_write, on_flush);
  png_set_compression_level(png, options->png_compression);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image->width),
               static_cast<png_uint_32>(image->height), 8,
               image->channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!texts->empty()) png_set_text(png, info, texts->data(), static_cast<int>(texts->size()));
  png_write_info(png, info);
  for (int y = 0; y < image->height; ++y) {
    png_write_row(png, const_cast<png_bytep>(image->row(y)));
  }
  png_write_end(png, info);
  return true;
}

bool is_ascii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

}  // namespace

Image decode_png(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  PngState state;
  state.input = bytes;
  state.limits = &limits;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw ImageError("png: out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw ImageError("png: out of memory");
  }
  const bool ok = read_png(png, info, &state);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) throw ImageError(std::string("corrupt or unsupported PNG: ") + state.error);
  return std::move(state.image);
}

std::vector<std::uint8_t> encode_png(const Image& image, const EncodeOptions& options) {
  check_encodable(image, "png");
  if (options.png_compression < 0 || options.png_compression > 9) {
    throw ImageError("png compression level must be 0..9");
  }
  std::vector<png_text> texts;
  for (const auto& [key, value] : options.png_text) {
    if (key.empty() || key.size() > 79 || !is_ascii(key)) {
      throw ImageError("png text keyword must be 1..79 ASCII characters");
    }
    png_text t{};
    t.key = const_cast<char*>(key.c_str());
    t.text = const_cast<char*>(value.c_str());
    if (is_ascii(value)) {
      t.compression = PNG_TEXT_COMPRESSION_NONE;
      t.text_length = value.size();
    } else {
      t.compression = PNG_ITXT_COMPRESSION_NONE;
      t.itxt_length = value.size();
    }
    texts.push_back(t);
  }
  PngState state;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw ImageError("png: out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw ImageError("png: out of memory");
  }
  const bool ok = write_png(png, info, &state, &image, &options, &texts);
  png_destroy_write_struct(&png, &info);
  if (!ok) throw ImageError(std::string("png encoding failed: ") + state.error);
  return std::move(state.output);
}

}  // namespace pixforge::detail
