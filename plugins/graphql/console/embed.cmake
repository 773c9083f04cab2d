# Turns the console page (index.html) into a C++ source holding it as one raw string literal, so
# the page ships inside rex-graphql.so and needs nothing at run time. Run as a script:
#   cmake -DINPUT=index.html -DOUTPUT=console_html.cpp -P embed.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")rex_console\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string's end marker )rex_console\"")
endif()
file(WRITE "${OUTPUT}"
     "// Generated from plugins/graphql/console/index.html by console/embed.cmake: do not edit.\n"
     "#include <string_view>\n"
     "namespace rex::graphql {\n"
     "extern const std::string_view console_html;\n"
     "const std::string_view console_html = R\"rex_console(${content})rex_console\";\n"
     "}  // namespace rex::graphql\n")
