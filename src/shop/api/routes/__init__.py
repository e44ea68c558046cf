"""One router per resource; each turns HTTP into a service call and the result back."""
