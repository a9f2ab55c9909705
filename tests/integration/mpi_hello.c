/* mpi_hello.c -- MPI hello world for the simulated-cluster smoke test.
 * Prints one line per rank:
 *   Hello world from processor HOST, rank R out of N processors */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char name[MPI_MAX_PROCESSOR_NAME];
	int rank = 0, size = 0, len = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Get_processor_name(name, &len);
	printf("Hello world from processor %s, rank %d out of %d processors\n",
	       name, rank, size);
	fflush(stdout);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Finalize();
	return 0;
}
