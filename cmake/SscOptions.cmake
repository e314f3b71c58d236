# Project options and the per-target helpers that apply them.
#
# ssc_target_defaults(<target>) gives a target the project's warnings (errors
# with SSC_WERROR) and, with SSC_ASAN / SSC_UBSAN, the sanitizers. Targets opt in
# one by one, so generated code can be compiled with fewer warnings.

option(SSC_WERROR "Treat compiler warnings as errors" OFF)
option(SSC_ASAN "Build with AddressSanitizer (and LeakSanitizer)" OFF)
option(SSC_UBSAN "Build with UndefinedBehaviorSanitizer" OFF)

set(SSC_WARNINGS
    -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
    -Wmissing-prototypes -Wold-style-definition -Wvla -Wpointer-arith
    -Wno-unused-parameter -Wno-missing-field-initializers)

function(ssc_sanitize target)
  if(SSC_ASAN)
    target_compile_options(${target} PRIVATE -fsanitize=address -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address)
  endif()
  if(SSC_UBSAN)
    target_compile_options(${target} PRIVATE -fsanitize=undefined
                           -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=undefined)
  endif()
endfunction()

function(ssc_target_defaults target)
  target_compile_options(${target} PRIVATE ${SSC_WARNINGS})
  if(SSC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  ssc_sanitize(${target})
endfunction()
