#include "dialogue/ticket_action.h"

namespace zx::dialogue {

ActionFn CreateTicketAction(tickets::Intake& intake) {
  return [&intake](const ActionRequest& r) -> Result<ActionOutcome> {
    tickets::IntakeRequest in;
    in.text = r.text;
    in.channel = r.channel;
    in.conversation_id = r.conversation_id;
    if (r.topic) in.topic = tickets::TopicGuess{*r.topic, 0.9};
    in.contact = r.contact;
    in.address = r.address;
    in.districts = r.districts;
    in.danger = r.danger;
    ZX_ASSIGN_OR_RETURN(tickets::Order o, intake.Create(in, "system"));
    return ActionOutcome{o.id, o.LeadDepartment(), std::string(tickets::TierName(o.tier)),
                         intake.CitizenNotice(o)};
  };
}

}  // namespace zx::dialogue
