# CMake toolchain file: cross-compile wsawatch for 64-bit Windows with
# Debian's MinGW-w64 (gcc-mingw-w64-x86-64) and run test executables under Wine.
#
# Dependencies (PCRE2, libyaml, libuv, libcurl, Check) are static libraries in a
# prefix built by packaging/windows/build.sh; point at it with
#   -DWSAWATCH_WIN_PREFIX=/path/to/prefix   (or the environment variable of the
#   same name; default: $HOME/.cache/wsawatch/mingw64-prefix).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(WSAWATCH_TARGET_TRIPLET x86_64-w64-mingw32)

# Compilers and resource tools.  The plain names follow Debian's alternatives
# (win32 thread model by default), which is what we want: no libwinpthread.
find_program(CMAKE_C_COMPILER NAMES ${WSAWATCH_TARGET_TRIPLET}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${WSAWATCH_TARGET_TRIPLET}-g++)
find_program(CMAKE_RC_COMPILER NAMES ${WSAWATCH_TARGET_TRIPLET}-windres REQUIRED)
find_program(CMAKE_MC_COMPILER NAMES ${WSAWATCH_TARGET_TRIPLET}-windmc)
set(CMAKE_AR "/usr/bin/${WSAWATCH_TARGET_TRIPLET}-ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "/usr/bin/${WSAWATCH_TARGET_TRIPLET}-ranlib" CACHE FILEPATH "")

# Where the cross-built static dependencies live.
if(NOT DEFINED WSAWATCH_WIN_PREFIX)
  if(DEFINED ENV{WSAWATCH_WIN_PREFIX} AND NOT "$ENV{WSAWATCH_WIN_PREFIX}" STREQUAL "")
    set(WSAWATCH_WIN_PREFIX "$ENV{WSAWATCH_WIN_PREFIX}")
  else()
    set(WSAWATCH_WIN_PREFIX "$ENV{HOME}/.cache/wsawatch/mingw64-prefix")
  endif()
endif()
set(WSAWATCH_WIN_PREFIX "${WSAWATCH_WIN_PREFIX}" CACHE PATH
    "Prefix holding the static MinGW-w64 builds of wsawatch's dependencies")
# Forward to try_compile() projects.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WSAWATCH_WIN_PREFIX)

set(CMAKE_FIND_ROOT_PATH "${WSAWATCH_WIN_PREFIX}" "/usr/${WSAWATCH_TARGET_TRIPLET}")
set(CMAKE_PREFIX_PATH "${WSAWATCH_WIN_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: only the prefix's .pc files, never the build host's, and static
# link lines (Libs.private / Requires.private).  PKG_CONFIG_SYSROOT_DIR must be
# unset: the .pc files carry absolute paths inside the prefix.
set(ENV{PKG_CONFIG_LIBDIR} "${WSAWATCH_WIN_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
unset(ENV{PKG_CONFIG_SYSROOT_DIR})
set(PKG_CONFIG_ARGN "--static" CACHE STRING "Arguments passed to pkg-config")
# Plain pkg-config: the triplet wrapper from mingw-w64-tools overrides PKG_CONFIG_LIBDIR.
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config)

# Link everything statically: no libgcc_s / libwinpthread / libstdc++ DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_FIND_LIBRARY_SUFFIXES .a .lib)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")

# Run the test .exe files under Wine (ctest, add_test, try_run).
find_program(WSAWATCH_WINE NAMES wine64 wine
             PATHS /usr/lib/wine /usr/lib64/wine /opt/wine-stable/bin
             NO_CMAKE_FIND_ROOT_PATH)
if(WSAWATCH_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${WSAWATCH_WINE}")
endif()
