// Headless launcher of a `mcconfig -p lin` build: loads its mc.so, hands it a txScreen (the
// simulator's host interface; no pixels are drawn), calls fxScreenLaunch and runs the GLib main
// loop that the Linux target's timers and sockets live on. No GTK, no mcsim, no xsbug. An XS
// abort (an unhandled exception, out of memory) ends the process with a message and status 70.
//   cc -O1 -o spimekit-lin launcher.c -I$MODDABLE/build/simulators/modules -DmxLinux=1
//      $(pkg-config --cflags --libs glib-2.0) -ldl
//   ./spimekit-lin path/to/mc.so
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "screen.h"

static GMainLoop *loop;

static const char *abortReason(int status)
{
	switch (status) {
	case 0: return "debugger";
	case 1: return "JavaScript stack overflow";
	case 2: return "native stack overflow";
	case 3: return "fatal check";
	case 4: return "dead strip";
	case 5: return "unhandled exception";
	case 6: return "not enough keys";
	case 7: return "too much computation";
	case 8: return "unhandled rejection";
	case 9: return "not enough memory";
	default: return "unknown";
	}
}

static void onAbort(txScreen *screen, int status)
{
	(void)screen;
	fprintf(stderr, "spimekit-lin: XS abort: %s (%d)\n", abortReason(status), status);
	fflush(stdout);
	_exit(70);
}

static void onPost(txScreen *screen, char *buffer, int size) { (void)screen; (void)buffer; (void)size; }
static void onStart(txScreen *screen, double interval) { (void)screen; (void)interval; }
static void onStop(txScreen *screen) { (void)screen; }
static void onNoop(txScreen *screen) { (void)screen; }

static void onTerminate(int signal)
{
	(void)signal;
	if (loop)
		g_main_loop_quit(loop);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/mc.so\n", argv[0]);
		return 64;
	}
	// a write to a socket the peer reset must be an error the firmware sees, not a dead process
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, onTerminate);
	signal(SIGINT, onTerminate);
	void *library = dlopen(argv[1], RTLD_NOW);
	if (!library) {
		fprintf(stderr, "spimekit-lin: %s\n", dlerror());
		return 66;
	}
	txScreenLaunchProc launch = (txScreenLaunchProc)dlsym(library, "fxScreenLaunch");
	if (!launch) {
		fprintf(stderr, "spimekit-lin: %s\n", dlerror());
		return 66;
	}
	int width = 1, height = 1;
	txScreen *screen = calloc(1, sizeof(txScreen) - 1 + (width * height * screenBytesPerPixel));
	if (!screen)
		return 71;
	screen->abort = onAbort;
	screen->bufferChanged = onNoop;
	screen->formatChanged = onNoop;
	screen->post = onPost;
	screen->start = onStart;
	screen->stop = onStop;
	mxCreateMutex(&screen->workersMutex);
	screen->width = width;
	screen->height = height;
	loop = g_main_loop_new(NULL, FALSE);
	(*launch)(screen);
	if (!screen->machine) {
		fprintf(stderr, "spimekit-lin: the XS machine could not be created\n");
		return 70;
	}
	g_main_loop_run(loop);
	if (screen->quit)
		(*screen->quit)(screen);
	fflush(stdout);
	return 0;
}
