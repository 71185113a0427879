#include "host/manifest.h"
