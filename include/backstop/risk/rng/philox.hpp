// Philox4x32-10 and Philox4x64-10 (Salmon et al., SC11), computed by Random123, behind a thin
// adapter with the shape of C++26 std::philox_engine (P2075, [rand.eng.philox]).
//
// Why Philox: it is counter-based, output = bijection(counter, key) with no hidden state, so the
// lab can produce the draw at any (seed, path, step, draw) on any thread in any order and still
// get bit-identical results (brief section 6, style.md 1.9).
//
// How the C++26 engine maps onto Random123 (checked by the known-answer tests, which pass only
// with this mapping): the seed is key word 0 (key word 1 is 0); the counter X is a 4-word integer
// whose word 0 is the least significant and is Random123's ctr[0] (the word r123array::incr()
// bumps first); a block Y = Philox(K, X) is returned in Random123's word order Y[0], Y[1], Y[2],
// Y[3]; and set_counter takes the counter most significant word first (X_j = c[3 - j]).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/risk/rng/detail/random123.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace backstop::risk {

// A Philox block and its key, word 0 first (Random123's order; word 0 is least significant).
template <class Word>
using PhiloxCounter = std::array<Word, 4>;
template <class Word>
using PhiloxKey = std::array<Word, 2>;

namespace detail {

template <class Word>
struct Random123Philox;
template <>
struct Random123Philox<std::uint32_t> {
    using type = r123::Philox4x32_R<10>;
};
template <>
struct Random123Philox<std::uint64_t> {
    using type = r123::Philox4x64_R<10>;
};

// counter += amount, as a 4-word integer that wraps at 2^(4w) like the standard's Z.
template <class Word>
void add_to_counter(PhiloxCounter<Word>& counter, unsigned long long amount) noexcept {
    constexpr int word_bits = std::numeric_limits<Word>::digits;
    unsigned long long rest = amount;
    Word carry = 0;
    for (std::size_t j = 0; j < counter.size(); ++j) {
        const Word addend = static_cast<Word>(rest);
        if constexpr (word_bits < std::numeric_limits<unsigned long long>::digits) {
            rest >>= word_bits;
        } else {
            rest = 0;
        }
        const Word partial = static_cast<Word>(counter[j] + addend);
        const Word sum = static_cast<Word>(partial + carry);
        carry = static_cast<Word>((partial < addend ? 1 : 0) + (sum < carry ? 1 : 0));
        counter[j] = sum;
    }
    BACKSTOP_ASSERT(rest == 0, "the whole amount was added");
}

}  // namespace detail

// Philox4xW-10 as a pure function: the block for one (counter, key).
template <class Word>
PhiloxCounter<Word> philox_block(const PhiloxCounter<Word>& counter,
                                 const PhiloxKey<Word>& key) noexcept {
    using Generator = typename detail::Random123Philox<Word>::type;
    static_assert(Generator::rounds == 10, "Philox4x32-10 and Philox4x64-10 only");
    typename Generator::ctr_type r123_counter{};
    typename Generator::key_type r123_key{};
    static_assert(sizeof(r123_counter.v) == sizeof(counter), "four words of the same width");
    static_assert(sizeof(r123_key.v) == sizeof(key), "two words of the same width");
    for (std::size_t j = 0; j < counter.size(); ++j) r123_counter.v[j] = counter[j];
    for (std::size_t j = 0; j < key.size(); ++j) r123_key.v[j] = key[j];
    const typename Generator::ctr_type r123_block = Generator{}(r123_counter, r123_key);
    PhiloxCounter<Word> block{};
    for (std::size_t j = 0; j < block.size(); ++j) block[j] = r123_block.v[j];
    return block;
}

// std::philox_engine<Word, w, 4, 10, ...> with Random123's constants, in C++17. Members follow
// [rand.eng.philox]: state K (key), X (counter), Y (last block), i (index into Y). No seed_seq
// constructor and no stream operators: the lab seeds with integers and never serialises engines.
template <class Word>
class PhiloxEngine {
    static_assert(std::is_same<Word, std::uint32_t>::value ||
                      std::is_same<Word, std::uint64_t>::value,
                  "Philox4x32 or Philox4x64");

public:
    using result_type = Word;

    static constexpr std::size_t word_size = static_cast<std::size_t>(
        std::numeric_limits<Word>::digits);
    static constexpr std::size_t word_count = 4;
    static constexpr std::size_t round_count = 10;
    static constexpr result_type default_seed = 20111115u;

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<Word>::max(); }

    PhiloxEngine() noexcept : PhiloxEngine(default_seed) {}
    explicit PhiloxEngine(result_type value) noexcept { seed(value); }

    // K_0 = value, other key words and the whole counter 0; the next call computes block 0.
    void seed(result_type value = default_seed) noexcept {
        key_ = {value, 0};
        counter_ = {};
        block_ = {};
        index_ = word_count - 1;
    }

    // counter[0] is the most significant word (X_j = counter[3 - j]), as the standard says.
    void set_counter(const std::array<result_type, word_count>& counter) noexcept {
        for (std::size_t j = 0; j < word_count; ++j) counter_[j] = counter[word_count - 1 - j];
        index_ = word_count - 1;
    }

    result_type operator()() noexcept {
        ++index_;
        if (index_ == word_count) {
            generate_block();
            index_ = 0;
        }
        BACKSTOP_ASSERT(index_ < word_count, "index within the block");
        return block_[index_];
    }

    // The same state as `count` calls of operator(), in constant time: only the last block
    // skipped into is computed.
    void discard(unsigned long long count) noexcept {
        const unsigned long long within = index_ + count % word_count;
        const unsigned long long blocks = count / word_count + within / word_count;
        index_ = static_cast<std::size_t>(within % word_count);
        if (blocks == 0) return;
        detail::add_to_counter(counter_, blocks - 1);
        generate_block();
        BACKSTOP_ASSERT(index_ < word_count, "index within the block");
    }

    // Equal state means equal future output: Y is a function of K and X whenever i < 3.
    friend bool operator==(const PhiloxEngine& a, const PhiloxEngine& b) noexcept {
        return a.key_ == b.key_ && a.counter_ == b.counter_ && a.index_ == b.index_;
    }
    friend bool operator!=(const PhiloxEngine& a, const PhiloxEngine& b) noexcept {
        return !(a == b);
    }

private:
    // Y = Philox(K, X), then X = X + 1 (the standard's transition when i wraps).
    void generate_block() noexcept {
        block_ = philox_block(counter_, key_);
        detail::add_to_counter(counter_, 1);
    }

    PhiloxKey<Word> key_{};
    PhiloxCounter<Word> counter_{};
    PhiloxCounter<Word> block_{};
    std::size_t index_ = word_count - 1;
};

using Philox4x32Engine = PhiloxEngine<std::uint32_t>;
using Philox4x64Engine = PhiloxEngine<std::uint64_t>;

}  // namespace backstop::risk
