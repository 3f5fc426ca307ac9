// The program each layer is linked into whole, with only the layers below it (core/CMakeLists.txt):
// it links exactly when the layer calls nothing above itself. It is never run.
int main()
{
    return 0;
}
