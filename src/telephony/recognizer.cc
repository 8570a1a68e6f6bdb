#include "telephony/recognizer.h"

namespace zx::telephony {

const char* RecognitionErrorCodeName(RecognitionErrorCode code) {
  switch (code) {
    case RecognitionErrorCode::kConnectFailed:
      return "connect_failed";
    case RecognitionErrorCode::kTimeout:
      return "timeout";
    case RecognitionErrorCode::kConnectionLost:
      return "connection_lost";
    case RecognitionErrorCode::kProtocolError:
      return "protocol_error";
    case RecognitionErrorCode::kOverloaded:
      return "overloaded";
    case RecognitionErrorCode::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

}  // namespace zx::telephony
