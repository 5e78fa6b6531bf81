/*
 * main() of the device crypto test (an x-cli-lin executable: XS and the app, no Moddable
 * runtime). `crypto-test VECTORS.json` runs the "main" module once; the module reads the vector
 * file through vectorText() and reports on stdout through print(). Exit status: 0 when the module
 * ran to its end (pass/fail counts are in the output), 2 on an uncaught exception or abort.
 */
#include "xsmc.h"

#include <stdio.h>
#include <stdlib.h>

extern void *xsPreparationAndCreation(xsCreation **creation);

static const char *gVectorPath;

void xs_test_print(xsMachine *the)
{
	fputs(xsmcToString(xsArg(0)), stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void xs_test_vector_text(xsMachine *the)
{
	FILE *file = fopen(gVectorPath, "rb");
	long size;
	char *text;
	if (!file) xsUnknownError("cannot open %s", gVectorPath);
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	fseek(file, 0, SEEK_SET);
	text = malloc(size + 1);
	if (!text || fread(text, 1, size, file) != (size_t)size) { fclose(file); free(text); xsUnknownError("cannot read %s", gVectorPath); }
	fclose(file);
	text[size] = 0;
	xsmcSetString(xsResult, text);
	free(text);
}

void fxAbort(xsMachine *the, int status)
{
	fprintf(stdout, "ABORT %d\n", status);
	fflush(stdout);
	exit(2);
}

int main(int argc, char *argv[])
{
	xsCreation *creation = NULL;
	void *preparation;
	xsMachine *machine;
	int result = 0;
	if (argc < 2) { fprintf(stderr, "usage: %s VECTORS.json\n", argv[0]); return 64; }
	gVectorPath = argv[1];
	preparation = xsPreparationAndCreation(&creation);
	machine = xsPrepareMachine(creation, preparation, "crypto-test", NULL, NULL);
	if (!machine) { fprintf(stderr, "cannot create the XS machine\n"); return 2; }
	xsBeginHost(machine);
	{
		xsTry {
			xsAwaitImport("main", XS_IMPORT_DEFAULT);
		}
		xsCatch {
			xsmcVars(1);
			xsVar(0) = xsException;
			fprintf(stdout, "EXCEPTION %s\n", xsmcToString(xsVar(0)));
			result = 2;
		}
	}
	xsEndHost(machine);
	xsDeleteMachine(machine);
	return result;
}
