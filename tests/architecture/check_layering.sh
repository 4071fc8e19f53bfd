#!/usr/bin/env bash
# The layering of ../shared/STYLE.md ("Target layout"), checked: the runtime includes nothing of
# the compiler but the plan model (types, bound expressions, the logical operators, the plan and
# its image, the physical plan: library flow_plan), and links nothing else of it; the plan model
# includes nothing of the compiler's front end (syntax, binders, diagnostics rendering) or codegen.
set -uo pipefail
root=${1:?usage: check_layering.sh SOURCE_DIR}
cd "$root" || exit 2
failed=0

# The plan model's headers: those of flow_plan's sources, and the operators'.
is_model() {
  case "$1" in
    compiler/plan/operators/*.hpp | compiler/physical/*.hpp) return 0 ;;
    compiler/plan/type.hpp | compiler/plan/bound_expr.hpp | compiler/plan/plan.hpp | compiler/plan/logical_operator.hpp | \
      compiler/plan/json_writer.hpp | compiler/plan/plan_image.hpp | compiler/diagnostics/source_file.hpp) return 0 ;;
  esac
  return 1
}

while IFS=: read -r file line header; do
  header=${header#*\"}; header=${header%%\"*}
  if ! is_model "$header"; then
    echo "$file:$line: the runtime includes \`$header\`, which is not the plan model"
    failed=1
  fi
done < <(grep -rn '#include "compiler/' runtime/)

model_files=(compiler/plan/operators/* compiler/physical/* compiler/plan/type.* compiler/plan/bound_expr.*
             compiler/plan/plan.* compiler/plan/logical_operator.hpp compiler/plan/json_writer.* compiler/plan/plan_image.*
             compiler/diagnostics/source_file.*)
while IFS=: read -r file line header; do
  header=${header#*\"}; header=${header%%\"*}
  if [[ $header == compiler/* ]] && ! is_model "$header"; then
    echo "$file:$line: the plan model includes \`$header\` of the compiler's front end or codegen"
    failed=1
  fi
  if [[ $header == runtime/* ]]; then
    echo "$file:$line: the plan model includes \`$header\` of the runtime"
    failed=1
  fi
done < <(grep -n '#include "' "${model_files[@]}")

# The libraries: the runtime's link only the plan model of the compiler's.
if grep -nE 'target_link_libraries\((flow_runtime|flow_eval)\b.*\b(flow_compiler|flow_codegen)\b' runtime/CMakeLists.txt; then
  echo "runtime/CMakeLists.txt: the runtime links the compiler's front end or codegen (only flow_plan)"
  failed=1
fi
for source in $(sed -n '/add_library(flow_plan/,/)/p' compiler/CMakeLists.txt | grep '\.cpp'); do
  if ! is_model "compiler/${source%.cpp}.hpp" && [[ $source != plan/operators/* ]]; then
    echo "compiler/CMakeLists.txt: flow_plan builds \`$source\`, whose header is not listed as the plan model here"
    failed=1
  fi
done

if [ "$failed" = 0 ]; then echo "layering: the runtime includes and links only the plan model of the compiler"; fi
exit "$failed"
