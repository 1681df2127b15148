/*
 * Defines functions that the NativeAOT runtime inside libreactor.a also defines. It links only
 * because the library's only global symbols are the reactor_* calls; before, the linker failed
 * with "multiple definition of `ProcessFinalizers'". Run by CAbiTests.cs.
 */
#include <stdio.h>
#include <string.h>

#include "reactor.h"

int ProcessFinalizers(void);
int GetCurrentProcessId(void);
int InitializeCriticalSection(void);
int RhpNewFast(void);

int ProcessFinalizers(void) { return 1; }
int GetCurrentProcessId(void) { return 2; }
int InitializeCriticalSection(void) { return 3; }
int RhpNewFast(void) { return 4; }

int main(void)
{
    /* The program's own definitions are the ones called, and Reactor still works beside them. */
    int own = ProcessFinalizers() + GetCurrentProcessId() + InitializeCriticalSection() + RhpNewFast();
    reactor_server_t server = 0;
    int rc = reactor_server_start("127.0.0.1", 0, NULL, &(reactor_callbacks){ .size = sizeof(reactor_callbacks), .on_data = NULL }, NULL, &server);
    int ok = own == 10 && reactor_abi_version() == REACTOR_ABI_VERSION && rc == REACTOR_EINVAL && strstr(reactor_last_error(), "on_data") != NULL;
    printf("%s: own definitions %d, reactor_abi_version %d, start without on_data %d (%s)\n", ok ? "ok" : "FAIL", own, reactor_abi_version(), rc, reactor_last_error());
    return ok ? 0 : 1;
}
