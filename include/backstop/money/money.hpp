// The money layer in one include: assets, Amount, Quantity, Price, rates, text and formatting.
#pragma once

#include "backstop/money/amount.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/money/format.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"
