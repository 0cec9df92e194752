# The TF.js model.json / weight-manifest parser and shard decoder (engine/src/tfjs/model_json.cpp),
# instrumented. Run, e.g. for 5 minutes from the committed seeds:
#   build-fuzz/fuzz/fuzz_tfjs -max_total_time=300 -max_len=8192 fuzz-corpus/tfjs fuzz/corpus/tfjs
add_executable(fuzz_tfjs "${CMAKE_CURRENT_SOURCE_DIR}/fuzz_tfjs.cpp"
               "${CMAKE_SOURCE_DIR}/engine/src/tfjs/model_json.cpp"
               "${CMAKE_SOURCE_DIR}/engine/src/core/dtype.cpp")
target_include_directories(fuzz_tfjs PRIVATE "${PIXFORGE_ENGINE_INCLUDE}")
target_link_libraries(fuzz_tfjs PRIVATE nlohmann_json::nlohmann_json)
target_compile_options(fuzz_tfjs PRIVATE ${PIXFORGE_FUZZ_FLAGS})
target_link_options(fuzz_tfjs PRIVATE -fsanitize=fuzzer,address,undefined)
pixforge_target_defaults(fuzz_tfjs)
