#!/usr/bin/env bash
# The layering of ../shared/STYLE.md ("Target layout"), checked:
#   - the runtime includes nothing of the compiler but the physical plan (compiler/physical/:
#     the job graph and its operators) and the vocabulary shared by design that the physical plan
#     is made of — types, bound expressions, the operators' descriptions (compiler/plan/specs/),
#     the declarations, the operator kinds. Not the logical plan (its operators, queries and
#     plan), not the planner that builds the physical plan, not the front end or codegen;
#   - that vocabulary and the physical plan include nothing of the logical plan, the front end,
#     codegen or the runtime;
#   - the runtime links only flow_plan of the compiler's libraries.
set -uo pipefail
root=${1:?usage: check_layering.sh SOURCE_DIR}
cd "$root" || exit 2
failed=0

# What the runtime may include of the compiler.
is_runtime_facing() {
  case "$1" in
    compiler/physical/physical_plan.hpp | compiler/physical/physical_operators.hpp) return 0 ;;
    compiler/plan/specs/*.hpp) return 0 ;;
    compiler/plan/type.hpp | compiler/plan/bound_expr.hpp | compiler/plan/declarations.hpp | \
      compiler/plan/operator_kind.hpp | compiler/diagnostics/source_file.hpp) return 0 ;;
  esac
  return 1
}

while IFS=: read -r file line header; do
  header=${header#*\"}; header=${header%%\"*}
  if ! is_runtime_facing "$header"; then
    echo "$file:$line: the runtime includes \`$header\`, which is not the physical plan or its vocabulary"
    failed=1
  fi
done < <(grep -rn '#include "compiler/' runtime/)

facing_files=(compiler/physical/physical_plan.* compiler/physical/physical_operators.hpp compiler/plan/specs/*
              compiler/plan/type.* compiler/plan/bound_expr.* compiler/plan/declarations.hpp
              compiler/plan/operator_kind.hpp compiler/diagnostics/source_file.*)
while IFS=: read -r file line header; do
  header=${header#*\"}; header=${header%%\"*}
  if [[ $header == compiler/* ]] && ! is_runtime_facing "$header"; then
    echo "$file:$line: what the runtime reads includes \`$header\` (the logical plan, front end or codegen)"
    failed=1
  fi
  if [[ $header == runtime/* ]]; then
    echo "$file:$line: the compiler's physical plan includes \`$header\` of the runtime"
    failed=1
  fi
done < <(grep -n '#include "' "${facing_files[@]}")

# The libraries: the runtime's link only the plan model of the compiler's (flow_plan).
if grep -nE 'target_link_libraries\((flow_runtime|flow_eval)\b.*\b(flow_compiler|flow_codegen)\b' runtime/CMakeLists.txt; then
  echo "runtime/CMakeLists.txt: the runtime links the compiler's front end or codegen (only flow_plan)"
  failed=1
fi
# flow_plan builds what the runtime reads and the logical plan the planner reads; never the front end.
for source in $(sed -n '/add_library(flow_plan/,/)/p' compiler/CMakeLists.txt | grep '\.cpp'); do
  case "$source" in
    plan/operators/* | plan/specs/* | physical/* | plan/type.cpp | plan/bound_expr.cpp | plan/json_writer.cpp | \
      plan/plan.cpp | plan/plan_image.cpp | diagnostics/source_file.cpp) ;;
    *) echo "compiler/CMakeLists.txt: flow_plan builds \`$source\`, which is not of the plan model"; failed=1 ;;
  esac
done

if [ "$failed" = 0 ]; then
  echo "layering: the runtime includes only the physical plan and its vocabulary, and links only flow_plan"
fi
exit "$failed"
