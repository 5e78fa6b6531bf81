// The Linux target's host services for the headless firmware (run by lin/launcher.c): stdout
// (trace reaches only xsbug on lin), the environment (where the provisioning record and the flash
// file are), exit, name resolution, and a file-backed NOR flash partition.
#include "xsmc.h"
#include "mc.xs.h"
#include "xsHost.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void xs_spk_print(xsMachine *the)
{
	fputs(xsmcToString(xsArg(0)), stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void xs_spk_getenv(xsMachine *the)
{
	const char *value = getenv(xsmcToString(xsArg(0)));
	if (value)
		xsmcSetString(xsResult, (char *)value);
}

void xs_spk_exit(xsMachine *the)
{
	fflush(stdout);
	_exit(xsmcToInteger(xsArg(0)));
}

void xs_spk_read_text_file(xsMachine *the)
{
	FILE *file = fopen(xsmcToString(xsArg(0)), "rb");
	if (!file)
		return;
	fseek(file, 0, SEEK_END);
	long size = ftell(file);
	fseek(file, 0, SEEK_SET);
	if ((size < 0) || (size > 65536)) {
		fclose(file);
		xsRangeError("file too large");
	}
	char *text = c_malloc(size + 1);
	if (!text) {
		fclose(file);
		xsUnknownError("no memory");
	}
	size_t got = fread(text, 1, size, file);
	fclose(file);
	text[got] = 0;
	xsmcSetString(xsResult, text);
	c_free(text);
}

// The first IPv4 address of a name (a literal passes through), or undefined.
void xs_spk_resolve(xsMachine *the)
{
	struct addrinfo hints = { 0 }, *result = NULL;
	char text[INET_ADDRSTRLEN];
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(xsmcToString(xsArg(0)), NULL, &hints, &result) || !result)
		return;
	struct sockaddr_in *address = (struct sockaddr_in *)result->ai_addr;
	inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
	freeaddrinfo(result);
	xsmcSetString(xsResult, text);
}

// File-backed NOR flash: a file of blocks * blockLength bytes, created erased (0xFF). A write
// clears bits only (new = old AND data), as NOR does; bounds are checked by the JS wrapper.
// Writes go to the page cache at once, so a kill -9 loses nothing that write() returned from.
typedef struct {
	int fd;
	uint32_t size;
	uint32_t blockLength;
} SpkFlashRecord, *SpkFlash;

void xs_spkflash_destructor(void *data)
{
	SpkFlash self = data;
	if (self) {
		if (self->fd >= 0)
			close(self->fd);
		c_free(self);
	}
}

static SpkFlash getFlash(xsMachine *the)
{
	SpkFlash self = xsmcGetHostDataValidate(xsThis, xs_spkflash_destructor);
	if (!self || (self->fd < 0))
		xsUnknownError("closed");
	return self;
}

static void fullWrite(xsMachine *the, int fd, const uint8_t *data, size_t length, off_t offset)
{
	while (length) {
		ssize_t n = pwrite(fd, data, length, offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			xsUnknownError("flash write: %s", strerror(errno));
		}
		data += n;
		length -= n;
		offset += n;
	}
}

static void fullRead(xsMachine *the, int fd, uint8_t *data, size_t length, off_t offset)
{
	while (length) {
		ssize_t n = pread(fd, data, length, offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			xsUnknownError("flash read: %s", strerror(errno));
		}
		if (n == 0) {
			c_memset(data, 0xFF, length);
			return;
		}
		data += n;
		length -= n;
		offset += n;
	}
}

void xs_spkflash_constructor(xsMachine *the)
{
	const char *path = xsmcToString(xsArg(0));
	uint32_t blocks = xsmcToInteger(xsArg(1)), blockLength = xsmcToInteger(xsArg(2));
	struct stat st;
	SpkFlash self = c_calloc(1, sizeof(SpkFlashRecord));
	if (!self)
		xsUnknownError("no memory");
	self->fd = -1;
	xsmcSetHostData(xsThis, self);
	self->size = blocks * blockLength;
	self->blockLength = blockLength;
	self->fd = open(path, O_RDWR | O_CREAT, 0600);
	if (self->fd < 0)
		xsUnknownError("flash %s: %s", path, strerror(errno));
	if (fstat(self->fd, &st) < 0)
		xsUnknownError("flash stat: %s", strerror(errno));
	if ((uint64_t)st.st_size < self->size) {
		// extend erased
		uint8_t erased[4096];
		c_memset(erased, 0xFF, sizeof(erased));
		off_t at = st.st_size;
		while (at < (off_t)self->size) {
			size_t n = self->size - at < sizeof(erased) ? self->size - at : sizeof(erased);
			fullWrite(the, self->fd, erased, n, at);
			at += n;
		}
	}
}

void xs_spkflash_close(xsMachine *the)
{
	SpkFlash self = xsmcGetHostDataValidate(xsThis, xs_spkflash_destructor);
	if (self && (self->fd >= 0)) {
		close(self->fd);
		self->fd = -1;
	}
}

void xs_spkflash_read(xsMachine *the)
{
	SpkFlash self = getFlash(the);
	uint32_t length = xsmcToInteger(xsArg(0)), offset = xsmcToInteger(xsArg(1));
	xsmcSetArrayBuffer(xsResult, NULL, length);
	fullRead(the, self->fd, xsmcToArrayBuffer(xsResult), length, offset);
}

void xs_spkflash_write(xsMachine *the)
{
	SpkFlash self = getFlash(the);
	void *data;
	xsUnsignedValue length;
	uint32_t offset = xsmcToInteger(xsArg(1));
	uint8_t old[256];
	xsmcGetBufferReadable(xsArg(0), &data, &length);
	while (length) {
		size_t n = length < sizeof(old) ? length : sizeof(old);
		fullRead(the, self->fd, old, n, offset);
		for (size_t i = 0; i < n; i++)
			old[i] &= ((uint8_t *)data)[i];
		fullWrite(the, self->fd, old, n, offset);
		data = (uint8_t *)data + n;
		length -= n;
		offset += n;
	}
}

void xs_spkflash_erase(xsMachine *the)
{
	SpkFlash self = getFlash(the);
	uint32_t from = xsmcToInteger(xsArg(0)), to = xsmcToInteger(xsArg(1));
	uint8_t erased[4096];
	c_memset(erased, 0xFF, sizeof(erased));
	for (uint32_t block = from; block < to; block++) {
		for (uint32_t at = 0; at < self->blockLength; at += sizeof(erased)) {
			uint32_t n = self->blockLength - at < sizeof(erased) ? self->blockLength - at : sizeof(erased);
			fullWrite(the, self->fd, erased, n, (off_t)block * self->blockLength + at);
		}
	}
}

