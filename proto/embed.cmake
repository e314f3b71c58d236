# Writes the bytes of IN as a C array ssc_descriptor_set[] into OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR nbytes "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT}
"/* Generated from the protoc-c descriptor set; do not edit. */\n#include <stddef.h>\n\nconst unsigned char ssc_descriptor_set[] = {\n${body}\n};\nconst size_t ssc_descriptor_set_len = ${nbytes};\n")
