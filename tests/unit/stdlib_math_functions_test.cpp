// abs, round, floor, ceil, least and greatest: halves, negative numbers, the int64 extremes, NaN
// and infinities.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "stdlib/flow_stdlib.h"

namespace {

constexpr int64_t int_max = std::numeric_limits<int64_t>::max();
constexpr int64_t int_min = std::numeric_limits<int64_t>::min();
constexpr double inf = std::numeric_limits<double>::infinity();
const double not_a_number = std::nan("");

}  // namespace

TEST_CASE("stdlib abs: int saturates at INT64_MIN") {
  CHECK(flow_math_abs_int(-5) == 5);
  CHECK(flow_math_abs_int(5) == 5);
  CHECK(flow_math_abs_int(0) == 0);
  CHECK(flow_math_abs_int(int_max) == int_max);
  CHECK(flow_math_abs_int(-int_max) == int_max);
  CHECK(flow_math_abs_int(int_min) == int_max);
}

TEST_CASE("stdlib abs: float") {
  CHECK(flow_math_abs_float(-2.5) == 2.5);
  CHECK(flow_math_abs_float(2.5) == 2.5);
  CHECK_FALSE(std::signbit(flow_math_abs_float(-0.0)));
  CHECK(flow_math_abs_float(-inf) == inf);
  CHECK(std::isnan(flow_math_abs_float(not_a_number)));
}

TEST_CASE("stdlib round: half away from zero") {
  CHECK(flow_math_round_float(2.5) == 3.0);
  CHECK(flow_math_round_float(-2.5) == -3.0);
  CHECK(flow_math_round_float(0.5) == 1.0);
  CHECK(flow_math_round_float(-0.5) == -1.0);
  CHECK(flow_math_round_float(1.4999) == 1.0);
  CHECK(flow_math_round_float(-1.5001) == -2.0);
  CHECK(flow_math_round_float(0.49999999999999994) == 0.0);
  CHECK(flow_math_round_float(1e300) == 1e300);
  CHECK(flow_math_round_float(-inf) == -inf);
  CHECK(std::isnan(flow_math_round_float(not_a_number)));
}

TEST_CASE("stdlib round with digits: on the decimal the user sees") {
  CHECK(flow_math_round_float_digits(2.675, 2) == 2.68);  // 2.67499999... in binary
  CHECK(flow_math_round_float_digits(1.005, 2) == 1.01);
  CHECK(flow_math_round_float_digits(-2.675, 2) == -2.68);
  CHECK(flow_math_round_float_digits(0.125, 2) == 0.13);
  CHECK(flow_math_round_float_digits(3.14159, 3) == 3.142);
  CHECK(flow_math_round_float_digits(3.14159, 0) == 3.0);
  CHECK(flow_math_round_float_digits(2.5, 0) == 3.0);
  CHECK(flow_math_round_float_digits(-2.5, 0) == -3.0);
  CHECK(flow_math_round_float_digits(0.5, 0) == 1.0);
  CHECK(flow_math_round_float_digits(0.49999999999999994, 0) == 0.0);
  CHECK(flow_math_round_float_digits(9.995, 2) == 10.0);  // the carry adds a digit
  CHECK(flow_math_round_float_digits(99.5, 0) == 100.0);
  CHECK(flow_math_round_float_digits(123.456, 5) == 123.456);
}

TEST_CASE("stdlib round with negative digits: to tens, hundreds, ...") {
  CHECK(flow_math_round_float_digits(1234.5678, -2) == 1200.0);
  CHECK(flow_math_round_float_digits(1250.0, -2) == 1300.0);
  CHECK(flow_math_round_float_digits(-1250.0, -2) == -1300.0);
  CHECK(flow_math_round_float_digits(5.0, -1) == 10.0);
  CHECK(flow_math_round_float_digits(4.9, -1) == 0.0);
  CHECK(flow_math_round_float_digits(0.4, -1) == 0.0);
}

TEST_CASE("stdlib round with digits: extremes") {
  CHECK(flow_math_round_float_digits(123.456, 1000) == 123.456);
  CHECK(flow_math_round_float_digits(123.456, int_max) == 123.456);
  CHECK(flow_math_round_float_digits(123.456, int_min) == 0.0);
  CHECK(flow_math_round_float_digits(1.7e308, -308) == inf);  // rounds up past the largest double
  CHECK(flow_math_round_float_digits(-1.7e308, -308) == -inf);
  CHECK(flow_math_round_float_digits(5e-324, 323) == 1e-323);  // subnormals round too
  CHECK(flow_math_round_float_digits(0.0, 2) == 0.0);
  const double tiny_negative = flow_math_round_float_digits(-0.001, 2);
  CHECK(tiny_negative == 0.0);
  CHECK(std::signbit(tiny_negative));
  CHECK(flow_math_round_float_digits(inf, 2) == inf);
  CHECK(std::isnan(flow_math_round_float_digits(not_a_number, 2)));
}

TEST_CASE("stdlib round of an int with digits") {
  CHECK(flow_math_round_int_digits(125, -1) == 130);
  CHECK(flow_math_round_int_digits(-125, -1) == -130);
  CHECK(flow_math_round_int_digits(124, -1) == 120);
  CHECK(flow_math_round_int_digits(150, -2) == 200);
  CHECK(flow_math_round_int_digits(-150, -2) == -200);
  CHECK(flow_math_round_int_digits(149, -2) == 100);
  CHECK(flow_math_round_int_digits(5, 0) == 5);
  CHECK(flow_math_round_int_digits(5, 3) == 5);
  CHECK(flow_math_round_int_digits(int_max, -1) == int_max);  // 9223372036854775810 saturates
  CHECK(flow_math_round_int_digits(int_min, -1) == int_min);
  CHECK(flow_math_round_int_digits(int_max, -18) == 9000000000000000000);
  CHECK(flow_math_round_int_digits(int_max, -19) == int_max);  // 10^19 saturates
  CHECK(flow_math_round_int_digits(4000000000000000000, -19) == 0);
  CHECK(flow_math_round_int_digits(int_max, -20) == 0);
  CHECK(flow_math_round_int_digits(int_max, int_min) == 0);
}

TEST_CASE("stdlib floor and ceil") {
  CHECK(flow_math_floor_float(2.5) == 2.0);
  CHECK(flow_math_floor_float(-2.5) == -3.0);
  CHECK(flow_math_floor_float(2.0) == 2.0);
  CHECK(flow_math_ceil_float(2.5) == 3.0);
  CHECK(flow_math_ceil_float(-2.5) == -2.0);
  CHECK(flow_math_ceil_float(-2.0) == -2.0);
  CHECK(std::signbit(flow_math_ceil_float(-0.5)));
  CHECK(flow_math_floor_float(-inf) == -inf);
  CHECK(std::isnan(flow_math_floor_float(not_a_number)));
  CHECK(std::isnan(flow_math_ceil_float(not_a_number)));
}

TEST_CASE("stdlib least and greatest: int") {
  CHECK(flow_math_least_int(1, 2) == 1);
  CHECK(flow_math_least_int(2, 1) == 1);
  CHECK(flow_math_least_int(-1, -2) == -2);
  CHECK(flow_math_least_int(int_min, int_max) == int_min);
  CHECK(flow_math_greatest_int(1, 2) == 2);
  CHECK(flow_math_greatest_int(-1, -2) == -1);
  CHECK(flow_math_greatest_int(int_min, int_max) == int_max);
}

TEST_CASE("stdlib least and greatest: float, with NaN larger than everything") {
  CHECK(flow_math_least_float(1.5, -2.5) == -2.5);
  CHECK(flow_math_greatest_float(1.5, -2.5) == 1.5);
  CHECK(flow_math_least_float(not_a_number, 1.0) == 1.0);
  CHECK(flow_math_least_float(1.0, not_a_number) == 1.0);
  CHECK(flow_math_least_float(not_a_number, inf) == inf);
  CHECK(std::isnan(flow_math_greatest_float(not_a_number, 1.0)));
  CHECK(std::isnan(flow_math_greatest_float(inf, not_a_number)));
  CHECK(std::isnan(flow_math_least_float(not_a_number, not_a_number)));
  // -0.0 and 0.0 are equal: the first argument wins.
  CHECK(std::signbit(flow_math_least_float(-0.0, 0.0)));
  CHECK_FALSE(std::signbit(flow_math_least_float(0.0, -0.0)));
  CHECK(std::signbit(flow_math_greatest_float(-0.0, 0.0)));
}
