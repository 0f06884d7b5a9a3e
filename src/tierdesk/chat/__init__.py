"""Live chat: the widget a customer site embeds and the portal chat page, waiting chats in the
console, and the conversation in real time; a chat is a ticket with channel chat."""
