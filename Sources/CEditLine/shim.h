#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>
