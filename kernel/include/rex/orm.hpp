// The ORM: typed models, conditions, queries, sessions and transactions over the kernel.
#pragma once

#include <rex/orm/database.hpp>
#include <rex/orm/dynamic_query.hpp>
#include <rex/orm/entity.hpp>
#include <rex/orm/expr.hpp>
#include <rex/orm/query.hpp>
#include <rex/orm/repository.hpp>
#include <rex/orm/rules.hpp>
