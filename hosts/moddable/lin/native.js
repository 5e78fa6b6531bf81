// The Linux target's native host services (host_lin.c). Typings: host.d.ts.
export function print(text) @ "xs_spk_print";
export function getenv(name) @ "xs_spk_getenv";
export function exit(code) @ "xs_spk_exit";
export function readTextFile(path) @ "xs_spk_read_text_file";
export function resolve(name) @ "xs_spk_resolve";

export class NativeFileFlash @ "xs_spkflash_destructor" {
	constructor(path, blocks, blockLength) @ "xs_spkflash_constructor";
	close() @ "xs_spkflash_close";
	read(length, offset) @ "xs_spkflash_read";
	write(data, offset) @ "xs_spkflash_write";
	erase(from, to) @ "xs_spkflash_erase";
}
export function heap() @ "xs_spk_heap";
export function resetHeapPeak() @ "xs_spk_heap_reset_peak";
