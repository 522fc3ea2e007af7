// placeholder: replaced by the agents runtime
