# Turns a binary file into a C++ source defining a byte array: cmake -DIN=... -DOUT=... -DNAME=...
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "// Generated from ${IN} by emu/cli/demo/embed.cmake.\n#include <cstddef>\n#include <cstdint>\nextern const uint8_t ${NAME}[] = {${body}};\nextern const size_t ${NAME}_size = ${bytes};\n")
