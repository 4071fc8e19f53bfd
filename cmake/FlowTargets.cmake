# Compiler settings that apply to flow's own code only (third-party headers are SYSTEM includes,
# so -Werror never fires on code we do not own).

function(flow_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
