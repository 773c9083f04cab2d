# Validation and introspection unit tests (graphql_language_tests is registered in CMakeLists.txt).
rex_add_test(graphql_validation_tests
  SOURCES validation_tests.cpp introspection_tests.cpp
  LIBRARIES rex-graphql-core
  LABELS graphql)

# The language side against graphql-js: graphql_validate_tool answers for Rex, js/run.sh runs
# graphql-js (npm, pinned) on the same corpus, SDL and introspection; skipped without node/npm.
add_executable(graphql_validate_tool validation_tool.cpp)
target_link_libraries(graphql_validate_tool PRIVATE rex-graphql-core)
set_target_properties(graphql_validate_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)

add_test(NAME graphql_js_corpus
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/js/run.sh $<TARGET_FILE:graphql_validate_tool>)
set_tests_properties(graphql_js_corpus PROPERTIES LABELS graphql SKIP_RETURN_CODE 77 TIMEOUT 300)
