# Fixture: common make environment, in the spirit of MicroPython's py/mkenv.mk.
# TOP is worked out from where this file was included from.

THIS_MAKEFILE := $(lastword $(MAKEFILE_LIST))
TOP := $(patsubst %/py/mkenv.mk,%,$(THIS_MAKEFILE))

ifeq ("$(origin V)", "command line")
BUILD_VERBOSE = $(V)
endif
BUILD_VERBOSE ?= 0
ifeq ($(BUILD_VERBOSE),0)
Q = @
else
Q =
endif

BUILD ?= build

RM = rm
ECHO = @echo
MKDIR = mkdir
PYTHON = python3

# Host tools when CROSS_COMPILE is empty (mpy-cross), the cross toolchain otherwise.
CC = $(CROSS_COMPILE)gcc
LD = $(CROSS_COMPILE)ld
SIZE = $(CROSS_COMPILE)size

#@if legacy
MPY_CROSS = $(TOP)/mpy-cross/mpy-cross
#@else
MPY_CROSS = $(TOP)/mpy-cross/build/mpy-cross
#@endif
MPY_TOOL = $(PYTHON) $(TOP)/tools/mpy-tool.py
MAKE_MANIFEST = $(PYTHON) $(TOP)/tools/makemanifest.py

all:
.PHONY: all
.DELETE_ON_ERROR:

MKENV_INCLUDED = 1
