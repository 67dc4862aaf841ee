"""TMF621 troubleTicket and the telephony system's incomingCall, under /tmf-api/troubleTicket/v4/."""
