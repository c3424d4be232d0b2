def lookup_order(order_id: str) -> str:
    """Look up the status of an order.

    Args:
        order_id: The order number, for example A-1001.

    Returns:
        The order's status.
    """
    return f"Order {order_id}: shipped"
