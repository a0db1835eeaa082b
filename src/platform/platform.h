/*
 * The operating-system interface, declared once; src/platform/posix/ and
 * src/platform/win32/ implement the same names and CMake picks one. libuv
 * already covers the event loop, files, timers, signals and processes, so only
 * what it lacks lives here. Paths and arguments are UTF-8 inside the program;
 * the win32 side converts at the boundary.
 */
#ifndef WW_PLATFORM_H
#define WW_PLATFORM_H

/* Prepares the process for the program: standard streams in binary mode and
 * UTF-8 on the console, and on Windows *argv replaced by the command line in
 * UTF-8. Call first in main(). */
void platform_init(int *argc, char ***argv);

#endif
