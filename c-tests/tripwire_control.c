/* Calls into libtripwire_bad; see tripwire_bad.c. */
#include <stdio.h>
int tripwire_bad_write(void);
int main(void)
{
    tripwire_bad_write();
    puts("tripwire control: the guarded write was NOT caught");
    return 0;
}
