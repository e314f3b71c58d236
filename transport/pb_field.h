/*
 * pb_field.h - reading protobuf-c messages field by field, by descriptor,
 * for code that maps messages to and from other forms (JSON in sscd's store
 * and in ssc's output).
 *
 * Entry points: ssc_pb_elem_size().
 */
#ifndef SSC_PB_FIELD_H
#define SSC_PB_FIELD_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* The size of one value of a field of this type in the generated C struct,
 * and so of one element of a repeated field's array. */
size_t ssc_pb_elem_size(ProtobufCType type);

#endif
