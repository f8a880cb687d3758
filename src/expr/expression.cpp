#include "expr/expression.hpp"

#include "expr/ast.hpp"
#include "expr/evaluator.hpp"
#include "expr/guard.hpp"
#include "expr/parser.hpp"
#include "expr/values.hpp"

namespace chainbot::expr {

namespace {
const std::vector<std::string> no_references;
}

expression expression::parse(std::string_view source, const limits& lim) {
    return detail::guarded<parse_error>([&] {
        auto program = std::make_shared<detail::program>();
        program->source = std::string(source);
        detail::parser parser(program->source, 0, lim);
        program->root = parser.parse_all();
        program->references = parser.references();
        return expression(std::move(program));
    });
}

boost::json::value expression::evaluate(const context& ctx) const {
    if (!program_) return nullptr;
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        st.set_source(program_->source);
        return detail::evaluate(st, *program_->root).take();
    });
}

bool expression::test(const context& ctx) const {
    if (!program_) return false;
    return detail::guarded<eval_error>([&] {
        detail::eval_state st(ctx);
        st.set_source(program_->source);
        return detail::truthy(detail::evaluate(st, *program_->root).get());
    });
}

const std::vector<std::string>& expression::references() const noexcept {
    return program_ ? program_->references : no_references;
}

std::string_view expression::source() const noexcept { return program_ ? std::string_view(program_->source) : ""; }

}  // namespace chainbot::expr
