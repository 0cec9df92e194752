# Service fuzz targets (included by fuzz/CMakeLists.txt, which defines PIXFORGE_FUZZ_FLAGS):
#   fuzz_service_upload: upload bytes (raw, base64, data: URL) through decode_upload, the one
#                        function every upload of the three APIs goes through (P4).
#   fuzz_service_json:   request bodies through the native, A1111 and OpenAI parameter parsers.
#   fuzz_http_connection: raw client bytes through request framing and a live event-loop server.
#   fuzz_http_request_head: raw client bytes through request framing and the event loop's own
#                        head parser (request_head.h), checking what it accepts; it needs only
#                        those two sources and cpp-httplib, so it builds in seconds.
# The service sources and the engine's image codecs (which decode uploads) are compiled a second
# time with coverage and ASan/UBSan; the `pixforge serve` wiring (service.cpp) and the embedded
# web UI (routes_web.cpp) are left out: nothing these targets reach refers to them.
#
#   mkdir -p build-svc-fuzz/corpus/{upload,json,http}   # new inputs go to the first directory
#   build-svc-fuzz/fuzz/fuzz_service_upload -max_total_time=300 -max_len=65536 build-svc-fuzz/corpus/upload fuzz/corpus/service_upload
#   build-svc-fuzz/fuzz/fuzz_service_json -max_total_time=300 -max_len=4096 build-svc-fuzz/corpus/json fuzz/corpus/service_json
#   build-svc-fuzz/fuzz/fuzz_http_connection -max_total_time=300 -max_len=8192 build-svc-fuzz/corpus/http fuzz/corpus/http_connection
#   build-svc-fuzz/fuzz/fuzz_http_request_head -max_total_time=300 -max_len=4096 -dict=fuzz/http_request_head.dict build-svc-fuzz/corpus/head fuzz/corpus/http_request_head
if(NOT TARGET pixforge_service)
  message(STATUS "fuzz: the service is not part of this build: service fuzz targets skipped")
  return()
endif()

file(GLOB image_fuzz_sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/engine/src/image/*.cpp")
add_library(pixforge_image_fuzz STATIC ${image_fuzz_sources})
target_include_directories(pixforge_image_fuzz PUBLIC "${PIXFORGE_ENGINE_INCLUDE}"
                           PRIVATE "${CMAKE_SOURCE_DIR}/engine/src/image")
target_link_libraries(pixforge_image_fuzz PUBLIC pixforge_core PNG::PNG JPEG::JPEG PkgConfig::WEBP
                      ZLIB::ZLIB nlohmann_json::nlohmann_json)
target_compile_options(pixforge_image_fuzz PRIVATE ${PIXFORGE_FUZZ_FLAGS})
target_link_options(pixforge_image_fuzz INTERFACE -fsanitize=address,undefined)

file(GLOB service_fuzz_sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/service/src/*.cpp")
list(FILTER service_fuzz_sources EXCLUDE REGEX "/(service|routes_web)\\.cpp$")
add_library(pixforge_service_fuzz STATIC ${service_fuzz_sources})
target_include_directories(pixforge_service_fuzz PUBLIC "${CMAKE_SOURCE_DIR}/service/include"
                           "${CMAKE_SOURCE_DIR}/service/src")
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(SQLite3 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(libzip REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenSSL REQUIRED)
target_link_libraries(pixforge_service_fuzz
  PUBLIC nlohmann_json::nlohmann_json Threads::Threads PkgConfig::HTTPLIB pixforge_image_fuzz
         pixforge_safety PkgConfig::SODIUM
  PRIVATE SQLite::SQLite3 tomlplusplus::tomlplusplus libzip::zip spdlog::spdlog OpenSSL::SSL
          OpenSSL::Crypto PNG::PNG)
target_compile_options(pixforge_service_fuzz PRIVATE ${PIXFORGE_FUZZ_FLAGS})

foreach(target fuzz_service_upload fuzz_service_json fuzz_http_connection)
  add_executable(${target} "${CMAKE_CURRENT_SOURCE_DIR}/${target}.cpp")
  target_link_libraries(${target} PRIVATE pixforge_service_fuzz)
  target_compile_options(${target} PRIVATE ${PIXFORGE_FUZZ_FLAGS})
  target_link_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
  pixforge_target_defaults(${target})
endforeach()

add_executable(fuzz_http_request_head "${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http_request_head.cpp"
               "${CMAKE_SOURCE_DIR}/service/src/request_head.cpp"
               "${CMAKE_SOURCE_DIR}/service/src/request_framing.cpp")
target_include_directories(fuzz_http_request_head PRIVATE "${CMAKE_SOURCE_DIR}/service/src"
                                                  "${CMAKE_SOURCE_DIR}/tests")
target_link_libraries(fuzz_http_request_head PRIVATE PkgConfig::HTTPLIB)
target_compile_options(fuzz_http_request_head PRIVATE ${PIXFORGE_FUZZ_FLAGS})
target_link_options(fuzz_http_request_head PRIVATE -fsanitize=fuzzer,address,undefined)
pixforge_target_defaults(fuzz_http_request_head)
