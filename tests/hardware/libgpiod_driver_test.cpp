// The libgpiod driver. Its error path runs everywhere; the hardware part runs only where
// a /dev/gpiochip* exists and is otherwise skipped with a visible reason (the build and
// CI machines have no GPIO support in their kernels).

#include "hardware/libgpiod_driver.hpp"

#include <catch2/catch.hpp>
#include <gpiod.h>

#include <filesystem>
#include <optional>

using namespace chainbot::hardware;

namespace {

std::optional<std::string> first_gpio_chip() {
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/dev", ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().starts_with("gpiochip")) return it->path().string();
    return std::nullopt;
}

/// A line nobody uses that is already an input: requesting it as input changes nothing
/// on the board, so the test cannot disturb whatever is wired to the header.
std::optional<unsigned> idle_input_line(const std::string& chip_path) {
    gpiod_chip* chip = gpiod_chip_open(chip_path.c_str());
    if (!chip) return std::nullopt;
    std::optional<unsigned> found;
    for (unsigned i = gpiod_chip_num_lines(chip); i-- > 0 && !found;) {
        gpiod_line* line = gpiod_chip_get_line(chip, i);
        if (line && !gpiod_line_is_used(line) && gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_INPUT) found = i;
    }
    gpiod_chip_close(chip);
    return found;
}

}  // namespace

TEST_CASE("libgpiod driver: a chip that does not exist is a clear gpio_error", "[hardware][gpio][libgpiod]") {
    libgpiod_driver driver;
    CHECK(driver.name() == "libgpiod");
    CHECK_THROWS_AS(driver.open_line("chainbot-test-no-such-chip", 0, line_direction::output, false), gpio_error);
    CHECK_THROWS_WITH(driver.open_line("chainbot-test-no-such-chip", 0, line_direction::output, false),
                      Catch::StartsWith("cannot open GPIO chip chainbot-test-no-such-chip: "));
    CHECK_THROWS_WITH(driver.set("chainbot-test-no-such-chip", 0, true), Catch::Contains("is not open"));
    CHECK_THROWS_WITH(driver.get("chainbot-test-no-such-chip", 0), Catch::Contains("is not open"));
    driver.release("chainbot-test-no-such-chip", 0);  // not open: ignored
}

TEST_CASE("libgpiod driver: opens, reads and releases a real line", "[hardware][gpio][libgpiod]") {
    const auto chip = first_gpio_chip();
    if (!chip) {
        WARN("libgpiod hardware test skipped: no /dev/gpiochip* on this machine");
        return;
    }
    libgpiod_driver driver;
    CHECK_THROWS_WITH(driver.open_line(*chip, 100000, line_direction::input, false), Catch::Contains("lines"));

    const auto line = idle_input_line(*chip);
    INFO("chip " << *chip);
    REQUIRE(line);  // every GPIO chip of a Pi has unused input lines
    driver.open_line(*chip, *line, line_direction::input, false);
    driver.open_line(*chip, *line, line_direction::input, false);  // same direction: no-op
    const bool level = driver.get(*chip, *line);
    CHECK((level == true || level == false));
    CHECK_THROWS_WITH(driver.set(*chip, *line, true), Catch::Contains("not open as output"));
    driver.release(*chip, *line);
    CHECK_THROWS_AS(driver.get(*chip, *line), gpio_error);
    driver.open_line(*chip, *line, line_direction::input, false);  // released means requestable again
    driver.release(*chip, *line);
}
