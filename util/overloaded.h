#pragma once

namespace sim {

// A visitor for std::visit made of one lambda per alternative:
// std::visit(Overloaded{[](const A& a) {...}, [](const B& b) {...}}, variant).
template <typename... Lambdas>
struct Overloaded : Lambdas... {
  using Lambdas::operator()...;
};
// Clang 14 (the sanitizer tree) does not deduce an aggregate's template arguments by itself.
template <typename... Lambdas>
Overloaded(Lambdas...) -> Overloaded<Lambdas...>;

}  // namespace sim
