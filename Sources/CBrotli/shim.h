// Debian's libbrotli-dev: the encoder for compressed answers; the decoder for tests that read them back.
#include <brotli/encode.h>
#include <brotli/decode.h>
