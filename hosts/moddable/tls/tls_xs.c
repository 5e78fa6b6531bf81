// XS glue of the sans-IO TLS client (tls.js): bytes in and out of sansio_tls.h, failures as
// negative result codes the JS side turns into typed errors (never an exception for what the
// peer does). No mbedTLS header here.
#include "xsmc.h"
#include "mc.xs.h"
#include "xsHost.h"

#include "sansio_tls.h"

typedef struct {
	spk_tls *tls;
	int setupError;
} SpkTlsRecord, *SpkTls;

void xs_spktls_destructor(void *data)
{
	SpkTls self = data;
	if (self) {
		spk_tls_free(self->tls);
		c_free(self);
	}
}

static spk_tls *getTls(xsMachine *the)
{
	SpkTls self = xsmcGetHostDataValidate(xsThis, xs_spktls_destructor);
	if (!self || !self->tls)
		xsUnknownError("closed");
	return self->tls;
}

void xs_spktls_constructor(xsMachine *the)
{
	void *ca;
	xsUnsignedValue caLength;
	char servername[256];
	int error = 0;
	xsmcGetBufferReadable(xsArg(0), &ca, &caLength);
	xsmcToStringBuffer(xsArg(1), servername, sizeof(servername));
	SpkTls self = c_calloc(1, sizeof(SpkTlsRecord));
	if (!self)
		xsUnknownError("no memory");
	xsmcSetHostData(xsThis, self);
	self->tls = spk_tls_new(ca, caLength, servername, &error);
	self->setupError = error;
}

// The library's code when the constructor could not set up (bad CA, no memory); else 0.
void xs_spktls_get_setupError(xsMachine *the)
{
	SpkTls self = xsmcGetHostDataValidate(xsThis, xs_spktls_destructor);
	xsmcSetInteger(xsResult, self ? self->setupError : 0);
}

void xs_spktls_close(xsMachine *the)
{
	SpkTls self = xsmcGetHostDataValidate(xsThis, xs_spktls_destructor);
	if (self) {
		spk_tls_free(self->tls);
		self->tls = NULL;
	}
}

void xs_spktls_feed(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	spk_tls *tls = getTls(the);
	xsmcGetBufferReadable(xsArg(0), &data, &length);
	xsmcSetInteger(xsResult, spk_tls_feed(tls, data, length));
}

void xs_spktls_take(xsMachine *the)
{
	spk_tls *tls = getTls(the);
	size_t pending = spk_tls_pending(tls);
	if (!pending)
		return;
	xsmcSetArrayBuffer(xsResult, NULL, pending);
	spk_tls_take(tls, xsmcToArrayBuffer(xsResult), pending);
}

void xs_spktls_handshake(xsMachine *the)
{
	xsmcSetInteger(xsResult, spk_tls_handshake(getTls(the)));
}

// An ArrayBuffer of plaintext, or a negative code (SPK_TLS_WANT: nothing more for now).
void xs_spktls_read(xsMachine *the)
{
	uint8_t buffer[1024];
	spk_tls *tls = getTls(the);
	int ret = spk_tls_read(tls, buffer, sizeof(buffer));
	if (ret <= 0) {
		xsmcSetInteger(xsResult, ret);
		return;
	}
	xsmcSetArrayBuffer(xsResult, buffer, ret);
}

void xs_spktls_write(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	spk_tls *tls = getTls(the);
	xsmcGetBufferReadable(xsArg(0), &data, &length);
	xsmcSetInteger(xsResult, spk_tls_write(tls, data, length));
}

void xs_spktls_close_notify(xsMachine *the)
{
	spk_tls_close_notify(getTls(the));
}

void xs_spktls_get_lastError(xsMachine *the)
{
	xsmcSetInteger(xsResult, spk_tls_last_error(getTls(the)));
}

void xs_spktls_get_detail(xsMachine *the)
{
	char text[256];
	spk_tls_describe(getTls(the), text, sizeof(text));
	xsmcSetString(xsResult, text);
}

void xs_spktls_get_version(xsMachine *the)
{
	xsmcSetString(xsResult, (char *)spk_tls_version(getTls(the)));
}
