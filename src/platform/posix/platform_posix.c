/*
 * POSIX side of platform.h: the process is already as the program wants it.
 */
#include "platform/platform.h"

void platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}
