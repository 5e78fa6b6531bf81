// The test program's two native helpers (runner.c).
export function print(text) @ "xs_test_print";
export function vectorText() @ "xs_test_vector_text";
