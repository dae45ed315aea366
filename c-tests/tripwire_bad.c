/* The tripwire's control: a library that calls the C library's write() itself. Loaded
 * with TRIPWIRE_GUARD=libtripwire_bad, the tripwire must abort the process, which
 * proves that it catches a guarded library's calls. */
#include <unistd.h>

int tripwire_bad_write(void);
int tripwire_bad_write(void) { return (int)write(1, "bad\n", 4); }
