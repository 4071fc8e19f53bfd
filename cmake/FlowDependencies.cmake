# Finds every third-party dependency. Each one comes from a Debian package; when one is missing,
# configuration stops with the name of the package to install (or: run scripts/setup).

function(flow_missing what package)
  message(FATAL_ERROR
    "flow: ${what} not found. Install the Debian package `${package}` "
    "(apt-get install ${package}), or run scripts/setup which installs everything flow needs.")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  flow_missing("pkg-config" "pkg-config")
endif()

pkg_check_modules(RDKAFKA QUIET IMPORTED_TARGET rdkafka)
if(NOT RDKAFKA_FOUND)
  flow_missing("librdkafka" "librdkafka-dev")
endif()

# RE2: the regular-expression built-ins (linear-time matching).
pkg_check_modules(RE2 QUIET IMPORTED_TARGET re2)
if(NOT RE2_FOUND)
  flow_missing("RE2" "libre2-dev")
endif()

find_package(Boost 1.74 QUIET CONFIG)
if(NOT Boost_FOUND)
  flow_missing("Boost (Spirit X3)" "libboost-dev")
endif()
find_path(FLOW_SPIRIT_X3_INCLUDE boost/spirit/home/x3.hpp HINTS ${Boost_INCLUDE_DIRS})
if(NOT FLOW_SPIRIT_X3_INCLUDE)
  flow_missing("Boost.Spirit X3 headers" "libboost-dev")
endif()

find_package(LLVM 16 QUIET CONFIG PATHS /usr/lib/llvm-16/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_FOUND)
  flow_missing("LLVM 16" "llvm-16-dev")
endif()

find_package(leveldb QUIET CONFIG)
if(NOT leveldb_FOUND)
  flow_missing("LevelDB" "libleveldb-dev")
endif()
# Debian's LevelDB is built with Snappy compression and links it, but does not depend on its
# development package.
find_library(FLOW_SNAPPY snappy)
if(NOT FLOW_SNAPPY)
  flow_missing("Snappy (needed by LevelDB)" "libsnappy-dev")
endif()

# prometheus-cpp: `/metrics` in the Prometheus text format (its pull exposer, on civetweb).
find_package(prometheus-cpp QUIET CONFIG)
if(NOT prometheus-cpp_FOUND)
  flow_missing("prometheus-cpp" "prometheus-cpp-dev")
endif()

find_package(fmt QUIET CONFIG)
if(NOT fmt_FOUND)
  flow_missing("{fmt}" "libfmt-dev")
endif()

find_package(doctest QUIET CONFIG)
if(NOT doctest_FOUND)
  flow_missing("doctest" "doctest-dev")
endif()

find_package(simdjson QUIET CONFIG)
if(NOT simdjson_FOUND)
  flow_missing("simdjson" "libsimdjson-dev")
endif()

find_program(FLOW_KCAT kcat)
if(NOT FLOW_KCAT)
  flow_missing("kcat" "kcat")
endif()
