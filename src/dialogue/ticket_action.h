// The action that makes a complaint's work order (kb/dialogue.toml on_complaint = create_ticket):
// intake's auto-fill over what the citizen said and what the dialogue heard; the citizen hears
// its number and time limit. Registered by whoever wires a dialogue service (app, the demo).
#pragma once

#include "dialogue/actions.h"
#include "tickets/intake.h"

namespace zx::dialogue {

inline constexpr char kCreateTicketAction[] = "create_ticket";

// `intake` must outlive the action.
ActionFn CreateTicketAction(tickets::Intake& intake);

}  // namespace zx::dialogue
