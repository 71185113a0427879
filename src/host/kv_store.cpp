#include "host/kv_store.h"
